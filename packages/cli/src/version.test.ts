import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLUGIN_CONTRACT_VERSION } from '@kact/core';
import { main } from './main.js';
import { PLUGIN_CONTRACT } from './version.js';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8')) as { version: string };
const expected = `kact ${manifest.version} (plugin contract ${PLUGIN_CONTRACT_VERSION})`;

async function kact(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('kact --version', () => {
  it("names @kact/core's plugin contract (kact's copy of the number, kept so --version loads no @kact/core)", () => {
    expect(PLUGIN_CONTRACT).toBe(PLUGIN_CONTRACT_VERSION);
  });

  it.each(['--version', '-V'])('%s prints the package.json version and the plugin contract, exit 0', async (flag) => {
    const r = await kact(flag);
    expect(r).toEqual({ code: 0, out: `${expected}\n`, err: '' });
  });

  it('the built bin reads the package.json beside its dist/', () => {
    expect(execFileSync(process.execPath, [resolve(here, '../bin/kact.js'), '--version'], { encoding: 'utf8' })).toBe(`${expected}\n`);
  });
});
