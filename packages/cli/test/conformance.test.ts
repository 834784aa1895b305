import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clusterForTests } from '@kact/kubernetes';
import { KACT_BIN, progressLine } from '../src/commands/conformance.js';
import { main } from '../src/main.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, 'fixtures');
const namespace = process.env.KACT_TEST_NAMESPACE ? ['--namespace', process.env.KACT_TEST_NAMESPACE] : [];

async function kact(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

/** The table's row for a case: `step-outputs  ✓ 4s  …`. */
const row = (out: string, name: string) => out.split('\n').find((line) => line.startsWith(`${name} `));

describe('kact conformance: bad input is exit 2 before any case runs', () => {
  it.each([
    [['--variants', 'nope'], /^error: --variants: unknown variant nope \(built in: exec, sidecar, env:inline, /],
    [['--filter', '('], /^error: --filter \(: not a regular expression: /],
    [['--filter', '^no-such-case$'], /^error: --filter \^no-such-case\$: matches no case$/],
    [['--concurrency', '0'], /^error: --concurrency 0: must be a whole number of at least 1$/],
    [['--variants', 'exec', '--strategy', 'sidecar'], /^error: --strategy and --variants: give one/],
    [['--strategy', 'nope'], /^error: --strategy nope: unknown; built in: exec, sidecar/],
    [['--plugin', join(fixtures, 'no-such-plugin.mjs')], /^error: plugin .*no-such-plugin\.mjs \(.*\): no such file$/],
    [['--kubeconfig', join(fixtures, 'no-such-kubeconfig')], /^error: cannot load kubeconfig .*no-such-kubeconfig: /],
  ])('%j', async (args, message) => {
    const r = await kact('conformance', ...args);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.out).toBe('');
  });
});

describe('kact conformance spawns this kact', () => {
  it('the bin beside the running module', () => {
    expect(KACT_BIN).toBe(resolve(here, '../bin/kact.js'));
    expect(existsSync(KACT_BIN)).toBe(true);
  });

  it('one progress line per finished case, with the strategy the run reported when a plugin changed it', () => {
    expect(progressLine({ case: 'a', variant: 'exec', strategy: 'exec', status: 'pass', problems: [], durationMs: 4200 }, { name: 'exec', strategy: 'exec' })).toBe('✓ a [exec] 4s');
    expect(progressLine({ case: 'a', variant: 'plugin', strategy: 'timed(exec)', status: 'fail', problems: ['x'], durationMs: 900 }, { name: 'plugin', strategy: 'exec' })).toBe('✗ a [plugin] 1s (strategy timed(exec))');
    expect(progressLine({ case: 'a', variant: 'sidecar', status: 'n/a', problems: ['why'], durationMs: 0 })).toBe('n/a a [sidecar]: why');
  });
});

const connection = await clusterForTests('kact conformance on the cluster');

describe.skipIf(!connection)('kact conformance on the cluster', () => {
  it('runs the cases --filter picks under exec and prints the pass table, exit 0', async () => {
    expect(existsSync(resolve(here, '../dist/kact.cjs')), 'the suite runs the built kact: build @kact/cli first').toBe(true);
    const r = await kact('conformance', '--filter', '^(env-precedence|step-outputs)$', ...namespace);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^kact conformance: 2 case\(s\) × exec on /);
    expect(r.out).toMatch(/^✓ env-precedence \[exec\] \d+s$/m);
    expect(r.out).toMatch(/^✓ step-outputs \[exec\] \d+s$/m);
    expect(r.out).toMatch(/^case {10,}exec\s*$/m);
    expect(row(r.out, 'env-precedence')).toMatch(/✓ \d+s/);
    expect(row(r.out, 'step-outputs')).toMatch(/✓ \d+s/);
    expect(r.out).toContain('exec: 2 passed, 0 failed, 0 not applicable');
  }, 240_000);

  it('--plugin: the whole run under the plugin, as the variant `plugin`', async () => {
    const r = await kact('conformance', '--plugin', join(fixtures, 'timing-plugin.mjs'), '--filter', '^step-outputs$', ...namespace);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^kact conformance: 1 case\(s\) × plugin on /);
    // The run's --json names the strategy the decorator left: the plugin was loaded in the case's run.
    expect(r.out).toMatch(/^✓ step-outputs \[plugin\] \d+s \(strategy timed\(exec\)\)$/m);
    expect(r.out).toMatch(/^case {8,}plugin\s*$/m);
    expect(row(r.out, 'step-outputs')).toMatch(/✓ \d+s/);
    expect(r.out).toContain('plugin: 1 passed, 0 failed, 0 not applicable');
  }, 240_000);
});
