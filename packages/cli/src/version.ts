import { readFileSync } from 'node:fs';

/**
 * The plugin contract this kact speaks: @kact/core's PLUGIN_CONTRACT_VERSION, written here so
 * that `kact --version` does not load @kact/core (its workflow parser is most of kact's start).
 * version.test.ts holds the two equal; plugins are checked against @kact/core's own.
 */
export const PLUGIN_CONTRACT = 1;

/** The version of @kact/cli as its package.json says, read beside the running module (dist/ or src/). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/** What `kact --version` prints: `kact 0.1.0 (plugin contract 1)`. */
export function versionLine(): string {
  return `kact ${cliVersion()} (plugin contract ${PLUGIN_CONTRACT})`;
}
