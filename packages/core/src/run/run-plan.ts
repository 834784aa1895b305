import { randomBytes } from 'node:crypto';
import type { Plan } from '../planner/plan.js';
import { Cancellation } from './cancellation.js';
import type { JobRunnerDeps } from './job-runner.js';
import { combine, JobScheduler, type SchedulerOptions } from './job-scheduler.js';
import type { RunResult } from './results.js';

export interface RunOptions extends Omit<SchedulerOptions, 'runId'> {
  runId?: string;
  event: string;
  /** `--concurrent-jobs`: legs running at once across the run. */
  concurrentJobs: number;
}

/** A short, DNS-safe id for a run: names and labels its resources. */
export const newRunId = () => randomBytes(4).toString('hex');

/**
 * Runs a plan and resolves with every leg's result; a job's failure is a result, never a
 * rejection. Jobs with `continue-on-error` do not fail the run.
 */
export async function runPlan(plan: Plan, deps: JobRunnerDeps, options: RunOptions, cancellation = new Cancellation()): Promise<RunResult> {
  const started = Date.now();
  const runId = options.runId ?? newRunId();
  deps.events.runStarted?.({ runId, event: options.event, jobs: plan.jobs.map((j) => ({ key: j.key, name: j.job.name ?? j.job.id, workflow: j.workflow.name })) });
  const teardowns = new Set<Promise<void>>();
  const scheduler = new JobScheduler({ ...deps, teardowns }, { ...options, runId }, cancellation, options.concurrentJobs);
  try {
    await scheduler.runJobs(plan, options.contexts);
  } finally {
    // The run is over once every pod it started is deleted: nothing of it outlives it.
    while (teardowns.size) await Promise.all(teardowns);
  }

  const order = (key: string) => plan.jobs.findIndex((j) => key === j.key || key.startsWith(`${j.key}[`) || key.startsWith(`${j.job.id} `));
  const jobs = [...scheduler.results].sort((a, b) => order(a.key) - order(b.key));
  const lenient = new Set(plan.jobs.filter((j) => j.job.continueOnError === true || j.job.continueOnError === 'true').map((j) => j.key));
  const counted = jobs.filter((r) => !lenient.has(r.key.replace(/\[\d+\]$/, '')));
  const run: RunResult = {
    runId,
    event: options.event,
    strategy: deps.strategy.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    result: cancellation.cancelled ? 'cancelled' : combine(counted) === 'failure' ? 'failure' : 'success',
    jobs,
  };
  deps.events.runFinished?.(run);
  return run;
}
