import type { BenchResults, RunSample } from '../src/bench-run.js';
import { printedLogBytes } from '../src/workflows.js';

const logOk = { printedBytes: printedLogBytes(), deliveredBytes: printedLogBytes(), expectedLines: 524_288, deliveredLines: 524_288, otherLines: 0, ok: true };

function sample(scenario: RunSample['scenario'], strategy: string, repetition: number, values: Record<string, number[]>, extra: Partial<RunSample> = {}): RunSample {
  return { scenario, strategy, repetition, runId: `${strategy}${repetition}`, ok: true, wallMs: 1000, values, ...extra };
}

/** Two strategies, two repetitions, every scenario; sidecar's second log run lost bytes and its second matrix failed. */
export function benchFixture(): BenchResults {
  const runs: RunSample[] = [];
  for (const repetition of [1, 2]) {
    runs.push(
      sample('steps', 'exec', repetition, { 'steps.step': [30, 32, 34, 36, 38] }),
      sample('steps', 'sidecar', repetition, { 'steps.step': [400, 420, 440, 460, 480] }),
      sample('job-start', 'exec', repetition, { 'job-start.latency': [1500, 1700] }),
      sample('job-start', 'sidecar', repetition, { 'job-start.latency': [1600, 1800] }),
      sample('matrix', 'exec', repetition, { 'matrix.throughput': [40], 'matrix.wall': [15] }),
      repetition === 1
        ? sample('matrix', 'sidecar', repetition, { 'matrix.throughput': [20], 'matrix.wall': [30] })
        : sample('matrix', 'sidecar', repetition, {}, { ok: false, error: 'run failure: matrix (3): pod <gone> & "lost"' }),
      sample('rss-20', 'exec', repetition, { 'rss.peak': [120 + repetition] }, { rss: { startMiB: 90, peakMiB: 120 + repetition, samples: 300 } }),
      sample('rss-20', 'sidecar', repetition, { 'rss.peak': [130] }),
      sample('env-500', 'exec', repetition, { 'env.step': [60, 70] }),
      sample('env-500', 'sidecar', repetition, { 'env.step': [500, 520] }),
      sample('log-50mb', 'exec', repetition, { 'log.throughput': [25] }, { log: logOk }),
      sample('log-50mb', 'sidecar', repetition, { 'log.throughput': [12] }, {
        log: repetition === 1 ? logOk : { ...logOk, deliveredBytes: logOk.printedBytes - 101, deliveredLines: 524_287, ok: false },
      }),
    );
  }
  return {
    kind: 'kact-bench',
    version: 1,
    startedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: '2026-11-28T10:20:00.000Z',
    host: { cpus: 2, node: 'v20.20.2', loadavgBefore: [1.5, 2, 2.5], loadavgAfter: [1.25, 2, 2.5] },
    repeat: 2,
    concurrentJobs: 4,
    strategies: ['exec', 'sidecar'],
    unavailable: [{ name: 'wasm', reason: 'no such strategy' }],
    scenarios: ['steps', 'job-start', 'matrix', 'rss-20', 'env-500', 'log-50mb'],
    rawExec: [
      { repetition: 1, runId: 'raw1', samples: [10, 20, 20, 30], failures: [] },
      { repetition: 2, runId: 'raw2', samples: [20], failures: [] },
    ],
    runs,
    cancelled: false,
  };
}
