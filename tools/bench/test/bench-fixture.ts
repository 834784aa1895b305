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
      sample('rss-20', 'exec', repetition, { 'rss.peak': [120 + repetition] }),
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
    // p50 1450: job start over a bare pod is 1600 − 1450 = 150 under exec (met), 1700 − 1450 = 250 under sidecar (met).
    barePod: [
      { repetition: 1, runId: 'bare1', before: 'exec', samples: [1400, 1450], failures: [] },
      { repetition: 1, runId: 'bare2', before: 'sidecar', samples: [1500], failures: ['bare pod kact-bare2-bare-2: ErrImageNeverPull'] },
      { repetition: 2, runId: 'bare3', before: 'exec', samples: [1450], failures: [] },
      { repetition: 2, runId: 'bare4', before: 'sidecar', samples: [], failures: [], error: 'pods is forbidden' },
    ],
    runs,
    cancelled: false,
  };
}

/**
 * The fixture with issue 15's scenarios added: back-to-back steps (sidecar within 2× exec's
 * per-step p95 at 30 steps, not at 100; job duration within 1.2× at 30, not at 100) and whole
 * `kact run`s against act's times (exec's hello beats act, sidecar's does not; one matrix failed).
 */
export function issue15Fixture(): BenchResults {
  const results = benchFixture();
  const runs: RunSample[] = [];
  for (const repetition of [1, 2]) {
    runs.push(
      sample('steps-30', 'exec', repetition, { 'steps-30.step': [40, 40, 40, 50, 100], 'steps-30.job': [5] }),
      sample('steps-30', 'sidecar', repetition, { 'steps-30.step': [45, 50, 50, 60, 190], 'steps-30.job': [5.5] }),
      sample('steps-100', 'exec', repetition, { 'steps-100.step': [40, 40, 40, 50, 100], 'steps-100.job': [10] }),
      sample('steps-100', 'sidecar', repetition, { 'steps-100.step': [45, 50, 50, 60, 2100], 'steps-100.job': [14] }),
      sample('run-hello', 'exec', repetition, { 'run-hello.wall': [3.5] }),
      sample('run-hello', 'sidecar', repetition, { 'run-hello.wall': [4.5 + repetition] }),
      sample('run-matrix-6', 'exec', repetition, { 'run-matrix-6.wall': [4.64] }),
      repetition === 1
        ? sample('run-matrix-6', 'sidecar', repetition, { 'run-matrix-6.wall': [9.28] })
        : sample('run-matrix-6', 'sidecar', repetition, {}, { ok: false, error: 'exit 1: 5 of 6 jobs succeeded' }),
    );
  }
  return {
    ...results,
    scenarios: ['steps', 'steps-30', 'steps-100', 'job-start', 'matrix', 'rss-20', 'env-500', 'log-50mb', 'run-hello', 'run-matrix-6'],
    runs: [...results.runs, ...runs],
    kact: { kactBin: '/kact/bin/kact.js', repo: '/kact/examples/hello', runArgs: ['--context', 'local'] },
  };
}
