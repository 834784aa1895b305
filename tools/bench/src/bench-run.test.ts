import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cancellation, type JobBackend, type JobPod, type ProcessResult, type StepStrategy } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { runBench, type StrategyTarget } from './bench-run.js';
import { repositoryKact } from './kact-run.js';
import type { Settled } from './node-settle.js';
import { renderMarkdown } from './report/markdown.js';
import { summarizeBench } from './summary.js';

const connection = { server: 'https://cluster.invalid', context: 'fake', namespace: 'bench' } as KubeConnection;

/** Pods that start at once and steps that succeed at once: the bench's bookkeeping, no cluster. */
function fakeTarget(name: string, startError?: string, events: string[] = []): StrategyTarget & { pods: string[] } {
  const pods: string[] = [];
  const backend: JobBackend = {
    startJob: async (request) => {
      if (startError) throw new Error(startError);
      pods.push(request.name);
      events.push(`${name} job pod`);
      return { name: request.name, namespace: 'bench', mainContainer: request.main.name, services: {} } satisfies JobPod;
    },
    copyIn: async () => undefined,
    stopJob: async () => undefined,
  };
  const done = (files: Record<string, string>): ProcessResult => ({ exitCode: 0, fileCommands: Object.fromEntries(Object.keys(files).map((k) => [k, ''])) });
  const strategy: StepStrategy = {
    name,
    runProcess: async (_pod, request, output) => {
      output('a line\n');
      return done(request.fileCommands);
    },
    runContainer: async (_pod, request) => done(request.fileCommands),
  };
  return { name, backend, strategy, connection, pods };
}

describe('runBench', () => {
  it('interleaves strategies per scenario, repeats, and records a failing strategy without stopping', async () => {
    const good = fakeTarget('exec');
    const broken = fakeTarget('sidecar', 'no pods for you');
    const live = new Set<string>();
    const registered: string[] = [];
    const progress: string[] = [];
    const rawCalls: string[] = [];
    const results = await runBench({
      targets: [good, broken],
      unavailable: [{ name: 'wasm', reason: 'not built' }],
      scenarios: ['steps', 'matrix'],
      repeat: 2,
      concurrentJobs: 4,
      rawExec: async (_backend, _connection, options) => {
        rawCalls.push(options.runId);
        return { samples: [5, 6, 7].slice(0, options.count), failures: [] };
      },
      rawExecCount: 3,
      registerRun: (runId) => {
        live.add(runId);
        registered.push(runId);
        return () => live.delete(runId);
      },
      progress: (line) => progress.push(line),
    });

    expect(results.runs.map((r) => `${r.repetition} ${r.scenario} ${r.strategy} ${r.ok}`)).toEqual([
      '1 steps exec true',
      '1 steps sidecar false',
      '1 matrix exec true',
      '1 matrix sidecar false',
      '2 steps exec true',
      '2 steps sidecar false',
      '2 matrix exec true',
      '2 matrix sidecar false',
    ]);
    const steps = results.runs[0]!;
    expect(steps.values['steps.step']).toHaveLength(50);
    expect(results.runs[2]!.values['matrix.throughput']).toHaveLength(1);
    expect(good.pods.filter((p) => p.includes('-matrix-'))).toHaveLength(20);
    expect(results.runs[1]!.error).toContain('no pods for you');

    expect(results.rawExec).toEqual([
      { repetition: 1, runId: rawCalls[0], samples: [5, 6, 7], failures: [] },
      { repetition: 2, runId: rawCalls[1], samples: [5, 6, 7], failures: [] },
    ]);
    expect(registered).toHaveLength(2 + 8);
    expect(registered).toEqual(expect.arrayContaining(rawCalls));
    expect(live.size).toBe(0);

    expect(results.strategies).toEqual(['exec', 'sidecar']);
    expect(results.unavailable).toEqual([{ name: 'wasm', reason: 'not built' }]);
    expect(results.cluster).toEqual({ server: 'https://cluster.invalid', context: 'fake', namespace: 'bench' });
    expect(results.host.loadavgBefore).toHaveLength(3);
    expect(progress.filter((l) => l.includes('FAILED'))).toHaveLength(4);
    expect(progress.filter((l) => l.includes('raw exec'))).toHaveLength(2);
  });

  it('runs no baseline without the steps scenario, and nothing without a strategy', async () => {
    let raw = 0;
    const results = await runBench({
      targets: [fakeTarget('exec')],
      scenarios: ['env-500'],
      repeat: 1,
      concurrentJobs: 4,
      rawExec: async () => {
        raw++;
        return { samples: [], failures: [] };
      },
    });
    expect(raw).toBe(0);
    expect(results.runs).toHaveLength(1);
    expect(results.runs[0]!.values['env.step']).toHaveLength(5);

    const none = await runBench({ targets: [], scenarios: ['steps'], repeat: 3, concurrentJobs: 4 });
    expect(none.runs).toEqual([]);
    expect(none.cluster).toBeUndefined();
  });

  it('stops after the running scenario when cancelled, and says so', async () => {
    const cancellation = new Cancellation();
    const results = await runBench({
      targets: [fakeTarget('exec'), fakeTarget('sidecar')],
      scenarios: ['env-500', 'matrix'],
      repeat: 3,
      concurrentJobs: 4,
      cancellation,
      progress: () => cancellation.request(),
    });
    expect(results.runs.map((r) => `${r.scenario} ${r.strategy}`)).toEqual(['env-500 exec']);
    expect(results.cancelled).toBe(true);
  });
});

describe('runBench: the bare pod beside job-start', () => {
  it('starts bare pods before each strategy\'s job-start run, as its own run for kact gc, and records a failure without stopping', async () => {
    const events: string[] = [];
    const live = new Set<string>();
    const progress: string[] = [];
    let calls = 0;
    const results = await runBench({
      targets: [fakeTarget('exec', undefined, events), fakeTarget('sidecar', undefined, events)],
      scenarios: ['job-start'],
      repeat: 2,
      concurrentJobs: 4,
      barePod: async (_connection, options) => {
        events.push(`bare ×${options.count} as ${options.runId}`);
        expect(live.has(options.runId)).toBe(true);
        if (++calls === 4) throw new Error('pods is forbidden');
        return { samples: [1000 + calls, 1100.123], failures: calls === 2 ? ['ErrImageNeverPull'] : [] };
      },
      registerRun: (runId) => {
        live.add(runId);
        return () => live.delete(runId);
      },
      progress: (line) => progress.push(line),
    });

    const bare = (i: number) => `bare ×5 as ${results.barePod![i]!.runId}`;
    const legs = (strategy: string) => Array.from({ length: 5 }, () => `${strategy} job pod`);
    expect(events).toEqual([bare(0), ...legs('exec'), bare(1), ...legs('sidecar'), bare(2), ...legs('exec'), bare(3), ...legs('sidecar')]);
    expect(results.barePod!.map(({ runId: _, ...rest }) => rest)).toEqual([
      { repetition: 1, before: 'exec', samples: [1001, 1100.12], failures: [] },
      { repetition: 1, before: 'sidecar', samples: [1002, 1100.12], failures: ['ErrImageNeverPull'] },
      { repetition: 2, before: 'exec', samples: [1003, 1100.12], failures: [] },
      { repetition: 2, before: 'sidecar', samples: [], failures: [], error: 'pods is forbidden' },
    ]);
    expect(results.runs.map((r) => `${r.repetition} ${r.scenario} ${r.strategy} ${r.ok}`)).toEqual(['1 job-start exec true', '1 job-start sidecar true', '2 job-start exec true', '2 job-start sidecar true']);
    expect(live.size).toBe(0);
    expect(results.rawExec).toEqual([]);
    expect(progress).toContain('[1/2] bare pod before sidecar: 2 pod starts, p50 1051 ms, 1 failed (ErrImageNeverPull)');
    expect(progress).toContain('[2/2] bare pod before sidecar FAILED: pods is forbidden');
  });
});

describe('runBench: waiting for the nodes between samples', () => {
  it('waits before every baseline and every run, starts anyway when told why, and notes it under the results', async () => {
    const events: string[] = [];
    const progress: string[] = [];
    const answers: Settled[] = [{ waitedMs: 1200 }, { gaveUp: '1 kact pod(s) still on the nodes after 30 s' }, { waitedMs: 0 }, { waitedMs: 40 }];
    const results = await runBench({
      targets: [fakeTarget('exec', undefined, events)],
      scenarios: ['job-start'],
      repeat: 2,
      concurrentJobs: 4,
      barePod: async () => {
        events.push('bare pods');
        return { samples: [1000], failures: [] };
      },
      settle: async () => {
        events.push('settle');
        return answers.shift()!;
      },
      progress: (line) => progress.push(line),
    });
    const legs = Array.from({ length: 5 }, () => 'exec job pod');
    expect(events).toEqual(['settle', 'bare pods', 'settle', ...legs, 'settle', 'bare pods', 'settle', ...legs]);
    expect(results.settling).toEqual({ waits: 4, longestMs: 1200, gaveUp: ['1 kact pod(s) still on the nodes after 30 s'] });
    expect(progress).toContain('the next sample starts anyway: 1 kact pod(s) still on the nodes after 30 s');
    const notes = renderMarkdown(summarizeBench(results), results);
    expect(notes).toContain('- each run and baseline started once no node held a pod of an earlier kact run');
    expect(notes).toContain('4 wait(s), the longest 1200 ms; 1 started anyway (first: 1 kact pod(s) still on the nodes after 30 s)');
  });
});

describe('runBench: whole kact runs (run-hello, run-matrix-6, rss-20)', () => {
  const fakeKact = resolve(import.meta.dirname, '../test/fake-kact.mjs');
  const exampleRepo = resolve(import.meta.dirname, '../../../examples/hello');
  let dir: string | undefined;
  afterAll(async () => {
    delete process.env['FAKE_KACT_LOG'];
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('spawns kact run per strategy on git copies of the repositories; a failed, short or silent run is a failed sample with its reason', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kact-bench-run-test-'));
    const log = join(dir, 'args.log');
    process.env['FAKE_KACT_LOG'] = log;
    const results = await runBench({
      targets: ['exec', 'short', 'broken', 'crash'].map((name) => fakeTarget(name)),
      scenarios: ['run-hello', 'run-matrix-6'],
      repeat: 1,
      concurrentJobs: 3,
      kact: { kactBin: fakeKact, repo: exampleRepo, runArgs: ['--context', 'bench-ctx'] },
    });

    const outcome = (scenario: string, strategy: string) => results.runs.find((r) => r.scenario === scenario && r.strategy === strategy)!;
    const hello = outcome('run-hello', 'exec');
    expect(hello).toMatchObject({ ok: true, runId: 'fake-exec' });
    expect(hello.values['run-hello.wall']).toEqual([Math.round(hello.wallMs / 10) / 100]);
    expect(outcome('run-matrix-6', 'exec')).toMatchObject({ ok: true, values: { 'run-matrix-6.wall': [expect.any(Number)] } });
    expect(outcome('run-hello', 'short')).toMatchObject({ ok: false, values: {}, error: '2 of 3 jobs succeeded (job 0: success, job 1: success, job 2: skipped)' });
    expect(outcome('run-matrix-6', 'broken')).toMatchObject({ ok: false, runId: 'fake-broken', error: 'run failure: job 0: pod gone' });
    expect(outcome('run-hello', 'crash')).toMatchObject({ ok: false, error: 'exit 1: Error: kaboom' });
    expect(outcome('run-hello', 'crash').runId).toBeUndefined();

    const spawned = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(spawned).toHaveLength(8);
    expect(spawned[0]).toEqual(['run', '-C', expect.stringMatching(/[\\/]run-hello$/), '--strategy', 'exec', '--concurrent-jobs', '3', '--json', expect.stringMatching(/run-hello-exec-1\.json$/), '--context', 'bench-ctx']);
    expect(existsSync(spawned[0]![2]!)).toBe(false);
    expect(results.kact).toEqual({ kactBin: fakeKact, repo: exampleRepo, runArgs: ['--context', 'bench-ctx'] });
  });

  it("measures rss-20's spawned kact run by its peak RSS, not its wall time, and only when every leg succeeded", async () => {
    process.env['FAKE_KACT_LOG'] = join(dir!, 'rss-args.log');
    const results = await runBench({
      targets: ['exec', 'short'].map((name) => fakeTarget(name)),
      scenarios: ['rss-20'],
      repeat: 1,
      concurrentJobs: 4,
      kact: { kactBin: fakeKact, repo: exampleRepo },
    });
    const [exec, short] = results.runs;
    expect(Object.keys(exec!.values)).toEqual(['rss.peak']);
    // The fake holds 64 MiB on top of node's own.
    expect(exec!.values['rss.peak']![0]).toBeGreaterThanOrEqual(64);
    expect(exec!.ok).toBe(true);
    expect(short).toMatchObject({ ok: false, values: {}, error: expect.stringMatching(/^19 of 20 jobs succeeded/) });
  });

  it('fails an rss-20 sample that got no peak RSS reading, saying why, and watches no run-* process', async () => {
    process.env['FAKE_KACT_LOG'] = join(dir!, 'unwatched-args.log');
    const watched: number[] = [];
    const results = await runBench({
      targets: [fakeTarget('exec')],
      scenarios: ['rss-20', 'run-hello'],
      repeat: 1,
      concurrentJobs: 4,
      kact: { kactBin: fakeKact, repo: exampleRepo },
      watchPeakRss: (pid) => {
        watched.push(pid);
        return { stop: () => ({ error: `process ${pid} exited within 100 ms, before its first VmHWM reading` }) };
      },
    });
    expect(watched).toEqual([expect.any(Number)]);
    expect(results.runs.map((r) => `${r.scenario} ${r.ok} ${r.error ?? ''}`)).toEqual([`rss-20 false peak RSS: process ${watched[0]} exited within 100 ms, before its first VmHWM reading`, 'run-hello true ']);
    expect(results.runs[0]!.values).toEqual({});
  });

  it("spawns the cli scenario's kact with the user's cluster flags when given no other", async () => {
    const log = join(dir!, 'cli-args.log');
    process.env['FAKE_KACT_LOG'] = log;
    const results = await runBench({
      targets: [fakeTarget('exec')],
      scenarios: ['run-hello'],
      repeat: 1,
      concurrentJobs: 4,
      cli: { kactBin: fakeKact, repo: exampleRepo, runArgs: ['--kubeconfig', '/k/config'] },
    });
    expect(results.runs.map((r) => r.ok)).toEqual([true]);
    expect(JSON.parse(await readFile(log, 'utf8'))).toEqual(expect.arrayContaining(['--kubeconfig', '/k/config']));
  });

  it("defaults to this repository's kact and examples/hello, on the bench's context and namespace", () => {
    const kact = repositoryKact({ context: 'kube-local', namespace: 'bench' });
    expect(kact.kactBin).toBe(resolve(import.meta.dirname, '../../../packages/cli/bin/kact.js'));
    expect(existsSync(kact.kactBin)).toBe(true);
    expect(kact.repo).toBe(exampleRepo);
    expect(kact.runArgs).toEqual(['--context', 'kube-local', '--namespace', 'bench']);
  });
});
