import { describe, expect, it } from 'vitest';
import { Cancellation, type JobBackend, type JobPod, type ProcessResult, type StepStrategy } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { runBench, type StrategyTarget } from './bench-run.js';

const connection = { server: 'https://cluster.invalid', context: 'fake', namespace: 'bench' } as KubeConnection;

/** Pods that start at once and steps that succeed at once: the bench's bookkeeping, no cluster. */
function fakeTarget(name: string, startError?: string): StrategyTarget & { pods: string[] } {
  const pods: string[] = [];
  const backend: JobBackend = {
    startJob: async (request) => {
      if (startError) throw new Error(startError);
      pods.push(request.name);
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
