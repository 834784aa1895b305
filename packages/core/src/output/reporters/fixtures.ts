import type { JobResult, RunResult, StepResult } from '../../run/results.js';
import type { JobRef, StepRef } from '../../run/run-events.js';

/** Test data shared by the reporter tests. */
export const job: JobRef = { key: '.github/workflows/ci.yml#build', name: 'build', workflow: '.github/workflows/ci.yml' };
export const step: StepRef = { index: 0, name: 'Run make', stage: 'main' };

export function stepResult(extra: Partial<StepResult> = {}): StepResult {
  return {
    index: 0,
    name: 'Run make',
    stage: 'main',
    outcome: 'success',
    conclusion: 'success',
    outputs: {},
    durationMs: 1200,
    annotations: [],
    ...extra,
  };
}

export function jobResult(extra: Partial<JobResult> = {}): JobResult {
  return {
    key: job.key,
    jobId: 'build',
    name: 'build',
    workflow: '.github/workflows/ci.yml',
    matrix: {},
    result: 'success',
    outputs: {},
    steps: [stepResult()],
    durationMs: 3400,
    summary: '',
    ...extra,
  };
}

export function runResult(jobs: JobResult[], extra: Partial<RunResult> = {}): RunResult {
  return {
    runId: 'r1',
    event: 'push',
    strategy: 'exec',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5000,
    result: jobs.every((j) => j.result !== 'failure') ? 'success' : 'failure',
    jobs,
    ...extra,
  };
}
