import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '@kact/core';
import { clusterForTests } from '@kact/kubernetes';
import { main } from '../src/main.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures');

async function kact(...argv: string[]) {
  let out = '';
  let err = '';
  const terminal = { write: (t: string) => void (out += t), tty: false, color: false };
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), terminal });
  return { code, out, err };
}

function repo(workflow: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kact-plugins-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(join(dir, '.github/workflows/ci.yml'), workflow);
  return dir;
}

const workflow = `on: push
jobs:
  timed:
    runs-on: ubuntu-latest
    steps:
      - id: hello
        run: echo hello from a decorated strategy
`;

describe('bad plugins: exit 2 and one line naming the plugin, before the cluster is touched', () => {
  // A cluster nobody answers on: a plugin error must come first, in a real run as in a dry run.
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kact-kubeconfig-')), 'config');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  const dir = repo(workflow);
  it.each([
    ['unbound-plugin.mjs', /^error: kact\.StepStrategy \(bound by plugin .*unbound-plugin\.mjs\) depends on acme\.StepClock, which nothing binds$/],
    ['plain-object-plugin.mjs', /^error: plugin .*plain-object-plugin\.mjs \(.*\): its default export is a plain object, not an inversify ContainerModule/],
    ['syntax-error-plugin.mjs', /^error: plugin .*syntax-error-plugin\.mjs \(.*\): syntax error at .*syntax-error-plugin\.mjs:5/],
    ['old-contract-plugin.mjs', /^error: plugin .*old-contract-plugin\.mjs \(.*\): built for plugin contract 0, this kact speaks 1/],
  ])('%s', async (file, message) => {
    for (const dryRun of [[], ['--dry-run']]) {
      const r = await kact('run', '-C', dir, '--kubeconfig', kubeconfig, '--plugin', join(fixtures, file), ...dryRun);
      expect(r.code, `${file} ${dryRun.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.err).not.toMatch(/127\.0\.0\.1:1|cannot reach/);
    }
  });
});

// The built kact is one bundle with its own inversify inside; a plugin brings its own copy.
const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/kact.js');
const built = existsSync(resolve(dirname(bin), '../dist/kact.cjs'));

describe.skipIf(!built)('the built kact (needs nx build cli)', () => {
  it("creates a plugin's class that the plugin's own inversify made injectable", () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--dry-run', '-C', repo(workflow), '--plugin', join(fixtures, 'injected-plugin.mjs')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('modules: strategy labelled(exec, platforms), containers platforms');
  });
});

const connection = await clusterForTests('decorator plugins on the cluster');

describe.skipIf(!connection)('a decorator plugin written against the public API wraps the built-in strategies, and plugins stack', () => {
  it.each(['exec', 'sidecar'])('under %s', async (strategy) => {
    const dir = repo(workflow);
    const json = join(dir, 'result.json');
    const r = await kact('run', '-C', dir, '--strategy', strategy, '--plugin', join(fixtures, 'timing-plugin.mjs'), '--plugin', join(fixtures, 'counting-plugin.mjs'), '--json', json);
    expect(r.code, r.out + r.err).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    // The last plugin loaded is outermost: counting wraps timing, which wraps the chosen strategy.
    expect(result.strategy).toBe(`counted(timed(${strategy}))`);
    const step = result.jobs[0]!.steps.find((s) => s.id === 'hello')!;
    expect(step.outcome).toBe('success');
    const notes = step.annotations.map((a) => `${a.title}: ${a.message}`);
    expect(notes).toEqual([expect.stringMatching(new RegExp(`^timing: ${strategy} ran bash in \\d+ ms$`)), expect.stringMatching(new RegExp(`^count: process \\d+ under timed\\(${strategy}\\)$`))]);
    expect(r.out).toContain('hello from a decorated strategy');
  });
});
