import type { Contexts, Value } from '@kact/expressions';
import type { StepsJob } from '@kact/model';
import { planLegs, type Plan, type PlannedJob, type PlannedLeg } from '../planner/plan.js';
import type { Cancellation } from './cancellation.js';
import { dispatchInputs } from './dispatch-inputs.js';
import { shouldRunJob } from './job-condition.js';
import { runJobLeg, type JobLeg, type JobRunnerDeps, type JobRunOptions } from './job-runner.js';
import type { Conclusion, JobResult } from './results.js';
import type { JobRef } from './run-events.js';
import { describeError } from './run-steps.js';
import { runReusableWorkflow } from './reusable-workflow.js';
import { Semaphore } from './semaphore.js';

export interface JobOutcome {
  result: Conclusion;
  outputs: Record<string, string>;
}

export interface SchedulerOptions extends JobRunOptions {
  matrixFilter?: Record<string, string[]>;
}

/** How a set of leg results reads as one job result. */
export function combine(results: Pick<JobResult, 'result'>[]): Conclusion {
  if (results.some((r) => r.result === 'failure')) return 'failure';
  if (results.some((r) => r.result === 'cancelled')) return 'cancelled';
  if (results.length > 0 && results.every((r) => r.result === 'skipped')) return 'skipped';
  return 'success';
}

/**
 * Runs the jobs of a plan: each once the jobs it needs are done and its `if:` holds, its matrix
 * legs in parallel up to `max-parallel` and the run's slots, cancelling sibling legs on a
 * failure under `fail-fast`. Jobs that call a reusable workflow run its jobs the same way.
 */
export class JobScheduler {
  /** Every leg's result, in the order they finished. */
  readonly results: JobResult[] = [];
  private readonly slots: Semaphore;

  constructor(
    private readonly deps: JobRunnerDeps,
    private readonly options: SchedulerOptions,
    private readonly cancellation: Cancellation,
    concurrentJobs: number,
  ) {
    this.slots = new Semaphore(Math.max(1, concurrentJobs));
  }

  /** Runs a plan's jobs with the given run-wide contexts; resolves with each job's outcome by job id. */
  async runJobs(plan: Plan, contexts: Contexts, namePrefix = ''): Promise<Map<string, JobOutcome>> {
    const outcomes = new Map<string, Promise<JobOutcome>>();
    for (const stage of plan.stages) {
      for (const planned of stage) outcomes.set(planned.key, this.runJob(planned, contexts, namePrefix, outcomes));
    }
    const byId = new Map<string, JobOutcome>();
    for (const planned of plan.jobs) byId.set(planned.job.id, await outcomes.get(planned.key)!);
    return byId;
  }

  private finish(planned: PlannedJob, result: JobResult): void {
    this.results.push(result);
    this.deps.events.jobFinished?.({ key: result.key, name: result.name, workflow: planned.workflow.name }, result);
  }

  private notRun(planned: PlannedJob, namePrefix: string, result: Conclusion, why?: string): JobOutcome {
    const ref: JobRef = { key: planned.key, name: `${namePrefix}${planned.job.name ?? planned.job.id}`, workflow: planned.workflow.name };
    if (why) this.deps.events.jobInfo?.(ref, why);
    this.finish(planned, { key: ref.key, jobId: planned.job.id, name: ref.name, workflow: planned.workflow.file, matrix: {}, result, outputs: {}, steps: [], durationMs: 0, summary: '', ...(why ? { error: why } : {}) });
    return { result, outputs: {} };
  }

  private async runJob(planned: PlannedJob, runContexts: Contexts, namePrefix: string, outcomes: Map<string, Promise<JobOutcome>>): Promise<JobOutcome> {
    const skipped: JobOutcome = { result: 'skipped', outputs: {} };
    const needOutcomes = await Promise.all(planned.needs.map((n) => outcomes.get(n) ?? Promise.resolve(skipped)));
    const needs = Object.fromEntries(planned.needs.map((n, i) => [n.slice(n.lastIndexOf('#') + 1), needOutcomes[i]!]));
    const contexts: Contexts = { ...runContexts, needs: needs as unknown as Value };
    let legs: PlannedLeg[];
    try {
      const run = shouldRunJob(planned.job.if, needOutcomes.map((o) => o.result), this.cancellation.cancelled, contexts, { workspace: this.options.repoRoot });
      if (!run) return this.notRun(planned, namePrefix, 'skipped');
      legs = planned.legs === 'deferred' ? planLegs(planned.job, contexts, this.options.containers, this.options.matrixFilter) : planned.legs;
    } catch (err) {
      return this.notRun(planned, namePrefix, 'failure', describeError(err));
    }
    const jobCancellation = this.cancellation.child();
    const legSlots = new Semaphore(planned.maxParallel ?? legs.length);
    const runLeg = async (leg: PlannedLeg, index: number): Promise<JobOutcome> => {
      if (planned.job.kind === 'call') {
        const name = `${namePrefix}${leg.name}`;
        return runReusableWorkflow(this, planned.job, { ...contexts, matrix: leg.matrix }, this.options, `${name} / `);
      }
      return this.slots.use(async () => {
        const jobLeg: JobLeg = { planned: planned as PlannedJob & { job: StepsJob }, leg: { ...leg, name: `${namePrefix}${leg.name}` }, index, total: legs.length, needs };
        // A dispatched workflow's own inputs get their declared defaults; a called one's come from its caller.
        const inputs = namePrefix ? runContexts.inputs : dispatchInputs(planned.workflow, String((runContexts.github as Record<string, Value>)?.event_name ?? ''), (runContexts.inputs ?? {}) as Record<string, Value>);
        const r = await runJobLeg(this.deps, { ...this.options, contexts: { ...runContexts, inputs: inputs ?? {} } }, jobLeg, jobCancellation);
        if (r.result === 'failure' && planned.failFast && legs.length > 1 && !jobCancellation.cancelled) jobCancellation.request();
        this.finish(planned, r);
        return r;
      });
    };
    const legOutcomes = await Promise.all(legs.map((leg, index) => legSlots.use(() => runLeg(leg, index))));
    return { result: combine(legOutcomes), outputs: Object.assign({}, ...legOutcomes.map((o) => o.outputs)) };
  }
}
