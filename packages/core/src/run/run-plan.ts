import { randomBytes } from 'node:crypto';
import type { Value } from '@kact/expressions';
import type { StepsJob } from '@kact/model';
import { planLegs, type Plan, type PlannedJob, type PlannedLeg } from '../planner/plan.js';
import type { PlatformMap } from '../planner/platforms.js';
import { Cancellation } from './cancellation.js';
import { shouldRunJob } from './job-condition.js';
import { runJobLeg, type JobLeg, type JobRunnerDeps, type JobRunOptions } from './job-runner.js';
import type { Conclusion, JobResult, RunResult } from './results.js';
import type { JobRef } from './run-events.js';
import { describeError } from './run-steps.js';
import { Semaphore } from './semaphore.js';

export interface RunOptions extends Omit<JobRunOptions, 'runId'> {
  runId?: string;
  event: string;
  /** `--concurrent-jobs`: legs running at once across the run. */
  concurrentJobs: number;
  platforms: PlatformMap;
  matrixFilter?: Record<string, string[]>;
}

/** A short, DNS-safe id for a run: names and labels its resources. */
export const newRunId = () => randomBytes(4).toString('hex');

interface JobOutcome {
  result: Conclusion;
  outputs: Record<string, string>;
}

function combine(results: JobResult[]): Conclusion {
  if (results.some((r) => r.result === 'failure')) return 'failure';
  if (results.some((r) => r.result === 'cancelled')) return 'cancelled';
  if (results.length > 0 && results.every((r) => r.result === 'skipped')) return 'skipped';
  return 'success';
}

/**
 * Runs a plan: each job once the jobs it needs are done and its `if:` holds, its matrix legs in
 * parallel up to `max-parallel` and `--concurrent-jobs`, cancelling sibling legs on a failure
 * when `fail-fast`. Resolves with every leg's result; never rejects for a job's failure.
 */
export async function runPlan(plan: Plan, deps: JobRunnerDeps, options: RunOptions, cancellation = new Cancellation()): Promise<RunResult> {
  const started = Date.now();
  const runId = options.runId ?? newRunId();
  const jobOptions: JobRunOptions = { ...options, runId };
  const slots = new Semaphore(Math.max(1, options.concurrentJobs));
  const outcomes = new Map<string, Promise<JobOutcome>>();
  const results: JobResult[] = [];
  deps.events.runStarted?.({ runId, event: options.event, jobs: plan.jobs.map((j) => ({ key: j.key, name: j.job.name ?? j.job.id, workflow: j.workflow.name })) });

  const skip = (planned: PlannedJob, why?: string): JobOutcome => {
    const ref: JobRef = { key: planned.key, name: planned.job.name ?? planned.job.id, workflow: planned.workflow.name };
    const r: JobResult = { key: planned.key, jobId: planned.job.id, name: ref.name, workflow: planned.workflow.file, matrix: {}, result: 'skipped', outputs: {}, steps: [], durationMs: 0, summary: '', ...(why ? { error: why } : {}) };
    if (why) deps.events.jobInfo?.(ref, why);
    deps.events.jobFinished?.(ref, r);
    results.push(r);
    return { result: 'skipped', outputs: {} };
  };

  const runJob = async (planned: PlannedJob): Promise<JobOutcome> => {
    const needOutcomes = await Promise.all(planned.needs.map((n) => outcomes.get(n) ?? Promise.resolve<JobOutcome>({ result: 'skipped', outputs: {} })));
    const needs = Object.fromEntries(planned.needs.map((n, i) => [n.slice(n.indexOf('#') + 1), needOutcomes[i]!]));
    const contexts = { ...options.contexts, needs: needs as unknown as Value };
    const evaluation = { workspace: options.repoRoot };
    let legs: PlannedLeg[];
    try {
      if (!shouldRunJob(planned.job.if, needOutcomes.map((o) => o.result), cancellation.cancelled, contexts, evaluation)) return skip(planned);
      if (planned.job.kind === 'call') return skip(planned, `${planned.job.uses}: running reusable workflows is not supported yet`);
      legs = planned.legs === 'deferred' ? planLegs(planned.job, contexts, options.platforms, options.matrixFilter) : planned.legs;
    } catch (err) {
      const r = skip(planned);
      results[results.length - 1] = { ...results[results.length - 1]!, result: 'failure', error: describeError(err) };
      return { ...r, result: 'failure' };
    }
    const job = planned as PlannedJob & { job: StepsJob };
    const jobCancellation = cancellation.child();
    const legSlots = new Semaphore(planned.maxParallel ?? legs.length);
    const legResults = await Promise.all(
      legs.map((leg, index) =>
        legSlots.use(() =>
          slots.use(async () => {
            const jobLeg: JobLeg = { planned: job, leg, index, total: legs.length, needs };
            const r = await runJobLeg(deps, jobOptions, jobLeg, jobCancellation);
            if (r.result === 'failure' && planned.failFast && legs.length > 1 && !jobCancellation.cancelled) jobCancellation.request();
            results.push(r);
            deps.events.jobFinished?.({ key: r.key, name: r.name, workflow: planned.workflow.name }, r);
            return r;
          }),
        ),
      ),
    );
    return { result: combine(legResults), outputs: Object.assign({}, ...legResults.map((r) => r.outputs)) };
  };

  for (const stage of plan.stages) for (const planned of stage) outcomes.set(planned.key, runJob(planned));
  await Promise.all(outcomes.values());

  const ordered = plan.jobs.flatMap((j) => results.filter((r) => r.key === j.key || r.key.startsWith(`${j.key}[`)));
  const continueOnError = new Set(plan.jobs.filter((j) => j.job.continueOnError === true || j.job.continueOnError === 'true').map((j) => j.key));
  const counted = ordered.filter((r) => !continueOnError.has(r.key.replace(/\[\d+\]$/, '')));
  const run: RunResult = {
    runId,
    event: options.event,
    strategy: deps.strategy.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    result: cancellation.cancelled ? 'cancelled' : combine(counted) === 'failure' ? 'failure' : 'success',
    jobs: ordered,
  };
  deps.events.runFinished?.(run);
  return run;
}
