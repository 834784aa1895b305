import type { Contexts, Value } from '@kact/expressions';
import type { StepsJob } from '@kact/model';
import { planLegs, type Plan, type PlannedJob, type PlannedLeg } from '../planner/plan.js';
import type { Cancellation } from './cancellation.js';
import { dispatchInputs } from './dispatch-inputs.js';
import { shouldRunJob } from './job-condition.js';
import { runJobLeg, type JobLeg, type JobRunnerDeps, type JobRunOptions } from './job-runner.js';
import { discardPrestart, prestartPod, type PodPrestart } from './pod-prestart.js';
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
  /** Pods started ahead whose jobs have not ended yet (startAhead): at most --concurrent-jobs − 1. */
  private ahead = 0;

  constructor(
    private readonly deps: JobRunnerDeps,
    private readonly options: SchedulerOptions,
    private readonly cancellation: Cancellation,
    private readonly concurrentJobs: number,
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

  /** The run's options as a leg of the job sees them: a dispatched workflow's own inputs get their declared defaults; a called one's come from its caller. */
  private legOptions(planned: PlannedJob, runContexts: Contexts, namePrefix: string): JobRunOptions {
    const inputs = namePrefix ? runContexts.inputs : dispatchInputs(planned.workflow, String((runContexts.github as Record<string, Value>)?.event_name ?? ''), (runContexts.inputs ?? {}) as Record<string, Value>);
    return { ...this.options, contexts: { ...runContexts, inputs: inputs ?? {} } };
  }

  /**
   * Starts the pod of a one-leg job that waits for others, while they run, when the run has room
   * for one more pod (--concurrent-jobs counts the pods started ahead too): see pod-prestart.ts.
   */
  private startAhead(planned: PlannedJob, runContexts: Contexts, namePrefix: string): PodPrestart | undefined {
    if (planned.needs.length === 0 || planned.job.kind === 'call' || planned.legs === 'deferred' || planned.legs.length !== 1) return undefined;
    if (this.ahead >= this.concurrentJobs - 1 || this.cancellation.cancelled) return undefined;
    const leg = planned.legs[0]!;
    const needs = Object.fromEntries(planned.needs.map((n) => [n.slice(n.lastIndexOf('#') + 1), { result: 'success' as const, outputs: {} }]));
    const jobLeg: JobLeg = { planned: planned as PlannedJob & { job: StepsJob }, leg: { ...leg, name: `${namePrefix}${leg.name}` }, index: 0, total: 1, needs };
    const prestart = prestartPod(this.deps, this.legOptions(planned, runContexts, namePrefix), jobLeg, this.cancellation.signal);
    if (!prestart) return undefined;
    this.ahead++;
    return prestart;
  }

  private notRun(planned: PlannedJob, namePrefix: string, result: Conclusion, why?: string): JobOutcome {
    const ref: JobRef = { key: planned.key, name: `${namePrefix}${planned.job.name ?? planned.job.id}`, workflow: planned.workflow.name };
    if (why) this.deps.events.jobInfo?.(ref, why);
    this.finish(planned, { key: ref.key, jobId: planned.job.id, name: ref.name, workflow: planned.workflow.file, matrix: {}, result, outputs: {}, steps: [], durationMs: 0, summary: '', ...(why ? { error: why } : {}) });
    return { result, outputs: {} };
  }

  private async runJob(planned: PlannedJob, runContexts: Contexts, namePrefix: string, outcomes: Map<string, Promise<JobOutcome>>): Promise<JobOutcome> {
    const ahead = this.startAhead(planned, runContexts, namePrefix);
    try {
      return await this.runJobOnce(planned, runContexts, namePrefix, outcomes, ahead);
    } finally {
      if (ahead) this.ahead--;
    }
  }

  private async runJobOnce(planned: PlannedJob, runContexts: Contexts, namePrefix: string, outcomes: Map<string, Promise<JobOutcome>>, ahead: PodPrestart | undefined): Promise<JobOutcome> {
    const skipped: JobOutcome = { result: 'skipped', outputs: {} };
    const needOutcomes = await Promise.all(planned.needs.map((n) => outcomes.get(n) ?? Promise.resolve(skipped)));
    const needs = Object.fromEntries(planned.needs.map((n, i) => [n.slice(n.lastIndexOf('#') + 1), needOutcomes[i]!]));
    const contexts: Contexts = { ...runContexts, needs: needs as unknown as Value };
    let legs: PlannedLeg[];
    try {
      const run = shouldRunJob(planned.job.if, needOutcomes.map((o) => o.result), this.cancellation.cancelled, contexts, { workspace: this.options.repoRoot });
      if (!run) {
        if (ahead) await discardPrestart(this.deps, ahead);
        return this.notRun(planned, namePrefix, 'skipped');
      }
      legs = planned.legs === 'deferred' ? planLegs(planned.job, contexts, this.options.containers, this.options.matrixFilter) : planned.legs;
    } catch (err) {
      if (ahead) await discardPrestart(this.deps, ahead);
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
        // Only a job of one leg, planned up front, is started ahead (startAhead): its one leg takes it.
        const r = await runJobLeg(this.deps, this.legOptions(planned, runContexts, namePrefix), jobLeg, jobCancellation, ahead);
        if (r.result === 'failure' && planned.failFast && legs.length > 1 && !jobCancellation.cancelled) jobCancellation.request();
        this.finish(planned, r);
        return r;
      });
    };
    const legOutcomes = await Promise.all(legs.map((leg, index) => legSlots.use(() => runLeg(leg, index))));
    return { result: combine(legOutcomes), outputs: Object.assign({}, ...legOutcomes.map((o) => o.outputs)) };
  }
}
