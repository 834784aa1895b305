import { evaluateCondition, type EvaluationOptions } from '@kact/expressions';
import { parseActionReference, type Step } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import { actionInputs } from './action-inputs.js';
import { runsPreStage } from './local-action-pre.js';
import type { JobEnvironment, StepScope } from './job-environment.js';
import type { Conclusion, StepResult } from './results.js';
import type { StepRef } from './run-events.js';
import { describeError } from './run-steps.js';
import { outcomeOf } from './run-script-step.js';
import { runStepProcess } from './step-process.js';
import { defaultStepName, evaluateStrings } from './step-values.js';
import { actionEnv, ensureInPod } from './uses-step.js';

function recordStage(job: JobEnvironment, ref: StepRef, outcome: Conclusion, started: number, error?: string): void {
  const result: StepResult = {
    index: ref.index,
    name: ref.name,
    stage: ref.stage,
    outcome,
    conclusion: outcome,
    outputs: {},
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    annotations: [],
    ...(error ? { error } : {}),
  };
  if (error) job.events.jobInfo?.(job.job, `${ref.name}: ${error}`);
  job.results.push(result);
  job.events.stepFinished?.(job.job, result);
}

/**
 * Remote node actions' `pre:` scripts, run before any main step in step order when `pre-if`
 * (default `always()`) holds, as the runner does during "Set up job". A local action's `pre:`
 * never runs; its main step warns about it (local-action-pre.ts).
 */
export async function runPreSteps(job: JobEnvironment, steps: Step[], scope: StepScope): Promise<void> {
  for (const step of steps) {
    if (step.kind !== 'uses' || !runsPreStage(parseActionReference(step.uses))) continue;
    let resolved;
    try {
      resolved = await job.actions.resolve(step.uses, step.location);
    } catch {
      continue; // the main step reports it
    }
    const runs = resolved.action.runs;
    if (runs.using === 'composite' || runs.using === 'docker' || !runs.pre) continue;
    const started = Date.now();
    const ref: StepRef = { index: job.results.length, name: `Pre ${step.name ?? defaultStepName(step)}`, stage: 'pre' };
    const evaluation: EvaluationOptions = { status: scope.status, workspace: job.options.repoRoot };
    const contexts = job.state.stepContexts(job.state.env, scope);
    try {
      if (!evaluateCondition(runs.preIf ?? 'always()', contexts, evaluation)) continue;
      job.events.stepStarted?.(job.job, ref);
      await ensureInPod(job, resolved);
      const env = { ...job.state.env, ...evaluateStrings(step.env, contexts, evaluation) };
      const inputs = actionInputs(resolved.action, step.with, { ...contexts, env }, evaluation);
      const signal = job.cancellation.stepSignal();
      const p = await runStepProcess(
        job,
        ref,
        {
          kind: 'exec',
          container: job.state.pod.mainContainer,
          command: [job.nodeCommand, `${resolved.podDir}/${runs.pre}`],
          env: { ...env, ...(await job.actionRuntimeEnv), ...inputs.env, ...actionEnv(resolved) },
          workingDirectory: POD_PATHS.workspace,
        },
        signal,
      );
      job.state.actionState.set(`${step.index}`, p.state);
      const o = outcomeOf(p, { ref, env, stepEnv: {}, key: `${step.index}`, signal, evaluation });
      if (o.outcome === 'failure') scope.status = 'failure';
      recordStage(job, ref, o.outcome, started, o.error);
    } catch (err) {
      scope.status = 'failure';
      recordStage(job, ref, 'failure', started, describeError(err));
    }
  }
}

/** Registered post steps, the last registered first, each when its `post-if` holds now. */
export async function runPostSteps(job: JobEnvironment, scope: StepScope): Promise<void> {
  for (const post of [...job.posts].reverse()) {
    const started = Date.now();
    const ref: StepRef = { index: job.results.length, name: post.name, stage: 'post' };
    const status = job.cancellation.cancelled ? 'cancelled' : scope.status;
    try {
      const contexts = job.state.stepContexts(job.state.env, scope);
      if (!evaluateCondition(post.condition, contexts, { status, workspace: job.options.repoRoot })) continue;
      job.events.stepStarted?.(job.job, ref);
      const r = await post.run(job.cancellation.stepSignal());
      if (r.failed) scope.status = 'failure';
      recordStage(job, ref, r.failed ? 'failure' : 'success', started, r.error);
    } catch (err) {
      scope.status = 'failure';
      recordStage(job, ref, 'failure', started, describeError(err));
    }
  }
}
