import { interpolate, type Contexts, type EvaluationOptions, type Value } from '@kact/expressions';
import type { StepsJob } from '@kact/model';
import type { JobBackend, JobPod } from '../backend/job-backend.js';
import { POD_EXTERNALS, POD_PATHS } from '../backend/pod-paths.js';
import type { StepStrategy } from '../backend/step-strategy.js';
import type { ContainerSelection } from '../backend/container-selection.js';
import type { ActionStore } from '../actions/action-store.js';
import type { PlannedJob, PlannedLeg } from '../planner/plan.js';
import { WorkflowCommandProcessor } from '../output/workflow-commands.js';
import type { Cancellation } from './cancellation.js';
import type { ActionRuntime } from './action-runtime.js';
import type { JobEnvironment, StepOptions, StepScope } from './job-environment.js';
import { maskJobEvents, maskJobResult } from './job-masking.js';
import { legContexts, legPodName, legPodRequest, legRef, runSecretsMasker, type LegContexts } from './leg-pod.js';
import { afterJob } from './job-teardown.js';
import { discardPrestart, prestartFits, type PodPrestart } from './pod-prestart.js';
import { JobState } from './job-state.js';
import { readyPod, stageWorkspace, unstageWorkspace, type StagedWorkspace } from './pod-ready.js';
import { runPreSteps, runPostSteps } from './pre-post-steps.js';
import { serviceEnv } from './service-env.js';
import type { Conclusion, JobResult } from './results.js';
import type { JobRef, RunEvents } from './run-events.js';
import { describeError, runSteps } from './run-steps.js';

export interface JobRunnerDeps {
  backend: JobBackend;
  strategy: StepStrategy;
  actions: ActionStore;
  events: RunEvents;
  /** The artifact and cache services of the run, when kact serves them. */
  runtime?: ActionRuntime;
  /**
   * Where a finished job leaves the deletion of its pod for the run to await at its end, so the
   * jobs that need this one start without waiting for it; without it the job awaits it itself.
   */
  teardowns?: Set<Promise<void>>;
}

export interface JobRunOptions extends StepOptions {
  runId: string;
  /** Run-wide contexts: github, vars, secrets, inputs, and env from --env. */
  contexts: Contexts;
  /** The run's secret values (masked everywhere). */
  secrets: Record<string, string>;
  /** What each job's own Secret stores: `SecretProvider.jobSecret(secrets)`. */
  jobSecrets: Record<string, string>;
  /** What each leg's runs-on labels run on (legs planned while the run goes, too). */
  containers: ContainerSelection;
}

/** One leg of a planned job, with what its `needs` produced. */
export interface JobLeg {
  planned: PlannedJob & { job: StepsJob };
  leg: PlannedLeg;
  index: number;
  total: number;
  needs: Record<string, { outputs: Record<string, string>; result: Conclusion }>;
}

function result(ref: JobRef, leg: JobLeg, partial: Partial<JobResult> & { result: Conclusion }, started: number): JobResult {
  return {
    key: ref.key,
    jobId: leg.planned.job.id,
    name: ref.name,
    workflow: leg.planned.workflow.file,
    matrix: leg.leg.matrix,
    outputs: {},
    steps: [],
    summary: '',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    ...partial,
  };
}

/**
 * Runs one job leg as one pod: creates it, fills the workspace, runs pre, main and post steps,
 * evaluates the job's outputs, and always removes the pod.
 */
export async function runJobLeg(deps: JobRunnerDeps, options: JobRunOptions, leg: JobLeg, cancellation: Cancellation, prestart?: PodPrestart): Promise<JobResult> {
  let settled = false;
  try {
    return await runLeg(deps, options, leg, cancellation, prestart, () => (settled = true));
  } finally {
    // A leg that failed before it could decide (its contexts, its request) leaves the pod here.
    if (prestart && !settled) await discardPrestart(deps, prestart);
  }
}

async function runLeg(deps: JobRunnerDeps, options: JobRunOptions, leg: JobLeg, cancellation: Cancellation, prestart: PodPrestart | undefined, settlePrestart: () => void): Promise<JobResult> {
  const started = Date.now();
  const { planned } = leg;
  const job = planned.job;
  const ref = legRef(leg);
  deps.events.jobStarted?.(ref);
  let evaluated: LegContexts;
  try {
    evaluated = legContexts(options, leg);
  } catch (err) {
    return result(ref, leg, { result: 'failure', error: describeError(err) }, started);
  }
  const { github, contexts, evaluation, env, timeoutMs } = evaluated;
  const masker = runSecretsMasker(options);
  const runtime = deps.runtime?.forJob({
    runId: options.runId,
    key: ref.key,
    repository: String(github.repository ?? ''),
    ref: String(github.ref ?? ''),
    baseRef: String(github.base_ref ?? ''),
    defaultBranch: defaultBranchOf(github),
    eventName: String(github.event_name ?? ''),
  });
  for (const value of runtime?.secrets ?? []) masker.add(value);

  const image = leg.leg.runsOn?.image;
  if (!image) {
    const error = `no image for runs-on ${JSON.stringify(leg.leg.runsOn?.labels ?? [])}: ${options.containers.hint}`;
    deps.events.jobInfo?.(ref, error);
    return result(ref, leg, { result: 'skipped', error }, started);
  }

  const jobCancellation = cancellation.child();
  const timer = setTimeout(() => jobCancellation.request(), timeoutMs);
  let pod: JobPod | undefined;
  let staged: Promise<StagedWorkspace> | undefined;
  const warn = (warning: string) => deps.events.jobInfo?.(ref, `warning: ${masker.mask(warning)}`);
  let name = legPodName(options, leg, ref);
  try {
    let request = legPodRequest(options, leg, evaluated, image, name, masker, warn);
    const ahead = prestart && prestartFits(prestart, request) ? prestart : undefined;
    if (prestart && !ahead) {
      // Another pod than the one started ahead (its needs' outputs shaped it): under a name of its
      // own. The early one goes now, not once this leg ends.
      name = legPodName(options, leg, ref, '-2');
      request = { ...request, name };
      settlePrestart();
      await discardPrestart(deps, prestart);
    }
    const prepared = ahead?.prepared ?? deps.strategy.preparePod?.(request, { steps: job.steps.length }) ?? request;
    deps.events.jobInfo?.(ref, `${ahead ? 'taking the pod started ahead:' : 'starting pod'} ${name} (${request.main.image}${request.services.length ? ` + ${request.services.map((s) => s.id).join(', ')}` : ''})`);
    // Read while the pod starts: on a large repository, listing its files is not free.
    staged = ahead?.staged ?? stageWorkspace(options.repoRoot, github.event);
    staged.catch(() => undefined);
    if (ahead) settlePrestart();
    pod = await (ahead ? ahead.pod : deps.backend.startJob(prepared, jobCancellation.signal));
    const ready = ahead?.ready ?? readyPod(deps.backend, deps.strategy, pod, options.repoRoot, staged, jobCancellation.signal);
    ready.catch(() => undefined);
    for (const warning of pod.warnings ?? []) deps.events.jobInfo?.(ref, `warning: ${warning}`);
    const services = Object.fromEntries(Object.entries(pod.services).map(([id, s]) => [id, { id: s.container, ports: s.ports, network: '' }]));
    contexts.job = { status: 'success', container: { id: pod.mainContainer, network: '' }, services };
    // Service discovery sits under the workflow's own env: a user-set variable of the same name wins.
    const state = new JobState(pod, contexts, { ...serviceEnv(pod.services), ...env });
    const commands = new WorkflowCommandProcessor({ masker, stepDebug: options.debug, workspace: POD_PATHS.workspace });
    // Reporters mask with the run's secrets only; the job's masker also knows ::add-mask:: values and the runtime token.
    const environment: JobEnvironment = { state, ...deps, events: maskJobEvents(deps.events, masker), job: ref, masker, commands, options, cancellation: jobCancellation, posts: [], results: [], actionRuntimeEnv: settledLater(runtime?.env ?? {}), nodeCommand: prepared.externals ? POD_EXTERNALS.node : 'node' };
    Object.assign(state, await ready);

    const scope: StepScope = { steps: state.steps, status: 'success', defaults: { run: { ...planned.workflow.defaults.run, ...job.defaults.run } } };
    await runPreSteps(environment, job.steps, scope);
    await runSteps(environment, job.steps, scope);
    await runPostSteps(environment, scope);

    const outputs = jobOutputs(environment, scope, job.outputs, evaluation);
    const timedOut = jobCancellation.cancelled && !cancellation.cancelled;
    const infrastructure = environment.infrastructureFailure;
    const conclusion: Conclusion = timedOut || infrastructure ? 'failure' : cancellation.cancelled ? 'cancelled' : scope.status === 'failure' ? 'failure' : 'success';
    const finished = result(
      ref,
      leg,
      {
        result: conclusion,
        outputs,
        steps: environment.results,
        summary: state.summaries.join('\n'),
        ...(timedOut ? { error: `the job exceeded its timeout of ${timeoutMs / 60_000} minutes` } : infrastructure ? { error: `kact could not run a step: ${infrastructure}` } : {}),
      },
      started,
    );
    return maskJobResult(finished, masker);
  } catch (err) {
    return result(ref, leg, { result: cancellation.cancelled ? 'cancelled' : 'failure', error: masker.mask(describeError(err)) }, started);
  } finally {
    clearTimeout(timer);
    unstageWorkspace(staged);
    if (pod) await afterJob(deps, deps.backend.stopJob(pod).catch((err) => deps.events.jobInfo?.(ref, `could not delete pod ${name}: ${describeError(err)}`)));
  }
}

/** The repository's default branch, from the event's payload as GitHub sends it; `main` when the event has none. */
function defaultBranchOf(github: Record<string, Value>): string {
  const event = github.event as { repository?: { default_branch?: unknown } } | undefined;
  const branch = event?.repository?.default_branch;
  return typeof branch === 'string' && branch ? branch : 'main';
}

/** Job outputs: templates over the steps context; values holding a secret are dropped, as GitHub does. */
function jobOutputs(job: JobEnvironment, scope: StepScope, templates: Record<string, string>, evaluation: EvaluationOptions): Record<string, string> {
  const contexts = job.state.stepContexts(job.state.env, scope);
  const outputs: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    try {
      const value = interpolate(template, contexts, { ...evaluation, status: scope.status });
      if (job.masker.mask(value) !== value) {
        job.events.jobInfo?.(job.job, `warning: skipping output '${name}' because it may contain a secret`);
        continue;
      }
      outputs[name] = value;
    } catch (err) {
      job.events.jobInfo?.(job.job, `output '${name}': ${describeError(err)}`);
    }
  }
  return outputs;
}

/**
 * A value the job's steps may await, or never: a rejection no step awaits (a job without
 * actions, whose services failed to start) is not an unhandled one.
 */
function settledLater<T>(value: T | Promise<T>): Promise<T> {
  const promise = Promise.resolve(value);
  promise.catch(() => undefined);
  return promise;
}
