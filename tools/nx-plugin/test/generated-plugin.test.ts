import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterForTests } from '@kact/kubernetes';

// What a plugin author does, end to end: generate, build, unit-test on @kact/testing, then the
// conformance suite through `kact conformance --plugin`. The package is generated inside the
// repository (so its imports resolve from the workspace's node_modules without an install) but
// outside the workspaces' globs, and removed afterwards.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const name = `e2e-${randomBytes(3).toString('hex')}`;
const directory = `tools/nx-plugin/.generated/${name}`;
const plugin = join(root, directory);
const run = (command: string, args: string[], cwd = root) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', NX_DAEMON: 'false' } });

const cluster = await clusterForTests('kact conformance --plugin of a generated plugin');

describe('a plugin from nx g @kact/nx-plugin:strategy', { timeout: 180_000 }, () => {
  beforeAll(() => {
    run('npx', ['nx', 'g', '@kact/nx-plugin:strategy', name, '--directory', directory, '--no-interactive']);
  }, 120_000);
  afterAll(() => rmSync(plugin, { recursive: true, force: true }));

  it('builds', () => {
    run('npx', ['tsc', '-p', join(plugin, 'tsconfig.json')]);
    expect(existsSync(join(plugin, 'dist/index.js'))).toBe(true);
  });

  it('passes its own unit test on the exported test double', () => {
    const out = run('npx', ['vitest', 'run', '--reporter', 'default'], plugin);
    expect(out).toMatch(/Tests\s+\d+ passed/);
  });

  it.skipIf(!cluster)('passes kact conformance --plugin on the cluster', () => {
    const out = run('node', [join(root, 'packages/cli/bin/kact.js'), 'conformance', '--plugin', join(plugin, 'dist/index.js'), '--filter', '^(step-outputs|env-precedence|file-commands-heredoc)$']);
    expect(out).toMatch(/plugin: 3 passed, 0 failed/);
  });
});
