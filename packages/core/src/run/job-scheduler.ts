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
  /** Pods started ahead whose legs do not hold a slot yet: at most --concurrent-jobs − 1. */
  private readonly startedAhead = new Set<PodPrestart>();
  /** Legs waiting for a slot that found no room for a pod ahead, in the order they wait (see releaseAhead). */
  private readonly waitingForRoom: (() => boolean)[] = [];

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
   * Starts a leg's pod before the leg can run, if the run has room for one more pod ahead: a pod
   * takes a second or more to start, which the leg would otherwise pay once it runs. See
   * pod-prestart.ts. 'full' when there is no room now.
   */
  private startAhead(leg: JobLeg, options: JobRunOptions): PodPrestart | 'full' | undefined {
    if (this.cancellation.cancelled) return undefined;
    if (this.startedAhead.size >= this.concurrentJobs - 1) return 'full';
    const prestart = prestartPod(this.deps, options, leg, this.cancellation.signal);
    if (prestart) this.startedAhead.add(prestart);
    return prestart;
  }

  /** The pod of a one-leg job that waits for the jobs it needs, started while they run, their outputs taken as empty. */
  private startAheadOfNeeds(planned: PlannedJob, runContexts: Contexts, namePrefix: string): PodPrestart | undefined {
    if (planned.needs.length === 0 || planned.job.kind === 'call' || planned.legs === 'deferred' || planned.legs.length !== 1) return undefined;
    const leg = planned.legs[0]!;
    const needs = Object.fromEntries(planned.needs.map((n) => [n.slice(n.lastIndexOf('#') + 1), { result: 'success' as const, outputs: {} }]));
    const jobLeg: JobLeg = { planned: planned as PlannedJob & { job: StepsJob }, leg: { ...leg, name: `${namePrefix}${leg.name}` }, index: 0, total: 1, needs };
    const prestart = this.startAhead(jobLeg, this.legOptions(planned, runContexts, namePrefix));
    return prestart === 'full' ? undefined : prestart;
  }

  /**
   * The pod of a leg that waits for one of the run's slots (--concurrent-jobs), started while it
   * waits; once there is room, if there is none now. Read the pod it ends with when its slot comes.
   */
  private startAheadOfSlot(leg: JobLeg, options: JobRunOptions): { pod: () => PodPrestart | undefined; stopWaiting: () => void } {
    let pod: PodPrestart | undefined;
    const start = (): boolean => {
      const started = this.startAhead(leg, options);
      if (started === 'full') return false;
      pod = started;
      return true;
    };
    if (!start()) this.waitingForRoom.push(start);
    const stopWaiting = (): void => {
      const i = this.waitingForRoom.indexOf(start);
      if (i >= 0) this.waitingForRoom.splice(i, 1);
    };
    return { pod: () => pod, stopWaiting };
  }

  /** A pod started ahead is its leg's now (or no leg's): its room goes to the first leg still waiting without one. */
  private releaseAhead(prestart: PodPrestart): void {
    if (!this.startedAhead.delete(prestart)) return;
    while (this.startedAhead.size < this.concurrentJobs - 1 && this.waitingForRoom.length > 0) this.waitingForRoom.shift()!();
  }

  private notRun(planned: PlannedJob, namePrefix: string, result: Conclusion, why?: string): JobOutcome {
    const ref: JobRef = { key: planned.key, name: `${namePrefix}${planned.job.name ?? planned.job.id}`, workflow: planned.workflow.name };
    if (why) this.deps.events.jobInfo?.(ref, why);
    this.finish(planned, { key: ref.key, jobId: planned.job.id, name: ref.name, workflow: planned.workflow.file, matrix: {}, result, outputs: {}, steps: [], durationMs: 0, summary: '', ...(why ? { error: why } : {}) });
    return { result, outputs: {} };
  }

  private async runJob(planned: PlannedJob, runContexts: Contexts, namePrefix: string, outcomes: Map<string, Promise<JobOutcome>>): Promise<JobOutcome> {
    const ahead = this.startAheadOfNeeds(planned, runContexts, namePrefix);
    try {
      return await this.runJobOnce(planned, runContexts, namePrefix, outcomes, ahead);
    } finally {
      if (ahead) this.releaseAhead(ahead);
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
      const jobLeg: JobLeg = { planned: planned as PlannedJob & { job: StepsJob }, leg: { ...leg, name: `${namePrefix}${leg.name}` }, index, total: legs.length, needs };
      const options = this.legOptions(planned, runContexts, namePrefix);
      // Only a job of one leg, planned up front, is started ahead of its needs: its one leg takes that pod.
      const waiting = (ahead ?? this.slots.free) ? undefined : this.startAheadOfSlot(jobLeg, options);
      return this.slots.use(async () => {
        waiting?.stopWaiting();
        const prestart = ahead ?? waiting?.pod();
        if (prestart) this.releaseAhead(prestart);
        const r = await runJobLeg(this.deps, options, jobLeg, jobCancellation, prestart);
        if (r.result === 'failure' && planned.failFast && legs.length > 1 && !jobCancellation.cancelled) jobCancellation.request();
        this.finish(planned, r);
        return r;
      });
    };
    const legOutcomes = await Promise.all(legs.map((leg, index) => legSlots.use(() => runLeg(leg, index))));
    return { result: combine(legOutcomes), outputs: Object.assign({}, ...legOutcomes.map((o) => o.outputs)) };
  }
}
