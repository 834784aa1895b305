import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BenchOptions, BenchResults } from '@kact/bench';
import { benchCommand, type BenchFlags } from './bench.js';

// The real bench, with one spawn of each cli command per repetition instead of SIZES.cliSpawns.
vi.mock('@kact/bench', async (importOriginal) => {
  const bench = await importOriginal<typeof import('@kact/bench')>();
  return { ...bench, runBench: (options: BenchOptions) => bench.runBench({ ...options, ...(options.cli ? { cli: { ...options.cli, spawns: 1 } } : {}) }) };
});

const built = existsSync(resolve(import.meta.dirname, '../../dist/kact.cjs'));

/** A kubeconfig whose API server refuses every connection: kact loads it, no cluster answers. */
const DEAD_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: dead, cluster: { server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: dead, context: { cluster: dead, user: u, namespace: default } }]
current-context: dead
`;

let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kact-bench-command-'));
  kubeconfig = join(dir, 'dead.kubeconfig');
  await writeFile(kubeconfig, DEAD_KUBECONFIG);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function bench(out: string, flags: Partial<BenchFlags>) {
  let stdout = '';
  let stderr = '';
  const all: BenchFlags = { strategies: 'exec', repeat: '1', out: join(dir, out), concurrentJobs: '4', kubeconfig, ...flags };
  const code = await benchCommand(all, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  const results = existsSync(join(all.out, 'results.json')) ? (JSON.parse(await readFile(join(all.out, 'results.json'), 'utf8')) as BenchResults) : undefined;
  return { code, stdout, stderr, results };
}

// Each test spawns kact eight times and bare node twice (a warm-up and a measured spawn of each command).
describe.skipIf(!built)('kact bench --scenarios cli (needs the built CLI)', { timeout: 60_000 }, () => {
  it('measures kact --help, --version, list and run --dry-run on examples/hello with no cluster answering', async () => {
    const r = await bench('cli-only', { scenarios: 'cli' });
    expect(r.stderr).toContain('kact bench: cli, 1 repetition(s)');
    expect(r.code, r.stderr).toBe(0);
    expect(r.results?.cli?.samples.map((s) => [s.metric, s.ok])).toEqual([
      ['cli.node', true],
      ['cli.help', true],
      ['cli.version', true],
      ['cli.list', true],
      ['cli.dry-run', true],
    ]);
    expect(r.results?.cli?.repo).toMatch(/examples[\\/]hello$/);
    expect(r.results?.runs).toEqual([]);
    expect(r.results?.cluster).toBeUndefined();
    expect(r.stdout).not.toContain('| scenario | metric |');
    expect(r.stdout).toMatch(/\| `kact run --dry-run -C <repo>` \| ms \| [\d.]+ \|/);
  });

  it('still measures cli when the cluster scenarios cannot run, reports them as not run, exit 1', async () => {
    const r = await bench('mixed', { scenarios: 'steps,cli' });
    expect(r.stderr).toMatch(/cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1 .*: the cluster scenarios \(steps\) are not run, only cli/);
    expect(r.code).toBe(1);
    expect(r.results?.skipped).toEqual({ scenarios: ['steps'], reason: expect.stringContaining('cannot reach Kubernetes API server') });
    expect(r.results?.cli?.samples).toHaveLength(5);
    expect(r.stdout).toContain('- not run: steps: cannot reach Kubernetes API server');
  });
});

describe('kact bench without cli', () => {
  it('fails as before when the cluster does not answer', async () => {
    await expect(bench('steps-only', { scenarios: 'steps' })).rejects.toThrow(/cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1/);
  });
});
