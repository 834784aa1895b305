import { evaluateCondition, evaluateTemplate, toRunnerString, type EvaluationOptions } from '@kact/expressions';
import { formatDiagnostic, isInputError, type Step } from '@kact/model';
import type { JobEnvironment, StepScope } from './job-environment.js';
import { apiStatusMessage } from '../backend/api-status.js';
import { isInfrastructureError } from '../backend/step-strategy.js';
import type { Annotation, Conclusion, StepResult } from './results.js';
import type { StepRef } from './run-events.js';
import { runScriptStep } from './run-script-step.js';
import { runUsesStep } from './uses-step.js';
import { introspectStep } from './step-introspection.js';
import { defaultStepName, evaluateFlag, evaluateMinutes, evaluateStrings } from './step-values.js';

/** How a step's main work ended, before continue-on-error. */
export interface StepOutcome {
  outcome: Conclusion;
  outputs: Record<string, string>;
  annotations: Annotation[];
  error?: string;
}

/** What a step kind gets: the step's evaluated env, its timeout and its signal. */
export interface StepInvocation {
  ref: StepRef;
  /** What the step's process sees: the job's env, the scope's, then the step's own. */
  env: Record<string, string>;
  /** Only the step's own evaluated `env:` (composites pass it on to their steps). */
  stepEnv: Record<string, string>;
  /** Identifies this step instance for action state (pre/main/post). */
  key: string;
  timeoutMs?: number;
  signal: AbortSignal;
  evaluation: EvaluationOptions;
}

export function describeError(err: unknown): string {
  if (isInputError(err)) return err.diagnostics.map(formatDiagnostic).join('; ');
  const status = apiStatusMessage(err);
  if (status === undefined) return err instanceof Error ? err.message : String(err);
  // A refusal names what the user must grant.
  return (err as { code?: unknown }).code === 403 ? `${status}: the account kact runs as lacks this right (docs/rbac/ has the Role each strategy needs)` : status;
}

/** Runs the steps of a job or composite action in order, recording each in the scope. */
export async function runSteps(job: JobEnvironment, steps: Step[], scope: StepScope): Promise<void> {
  for (const step of steps) await runStep(job, step, scope);
}

async function runStep(job: JobEnvironment, step: Step, scope: StepScope): Promise<void> {
  const started = Date.now();
  const status = job.cancellation.cancelled ? 'cancelled' : scope.status;
  const evaluation: EvaluationOptions = { status, workspace: job.options.repoRoot };
  const baseEnv = { ...job.state.env, ...scope.env };
  const contexts = job.state.stepContexts(baseEnv, scope);
  let name = defaultStepName(step);
  try {
    if (step.name !== undefined) name = toRunnerString(evaluateTemplate(step.name, contexts, evaluation));
  } catch {
    name = step.name ?? name;
  }
  // Masked now: a value an earlier step passed to ::add-mask:: may stand in the step's name.
  const ref: StepRef = { index: job.results.length, name: job.masker.mask(`${scope.namePrefix ?? ''}${name}`), stage: 'main' };

  let result: StepOutcome;
  let continueOnError = false;
  let shouldRun: boolean;
  try {
    shouldRun = evaluateCondition(step.if, contexts, evaluation);
  } catch (err) {
    shouldRun = true;
    result = { outcome: 'failure', outputs: {}, annotations: [], error: `if: ${describeError(err)}` };
  }
  if (!shouldRun) {
    record(job, scope, step, ref, { outcome: 'skipped', outputs: {}, annotations: [] }, 'skipped', started);
    return;
  }
  job.events.stepStarted?.(job.job, ref);
  result ??= await (async (): Promise<StepOutcome> => {
    try {
      continueOnError = evaluateFlag(step.continueOnError, contexts, evaluation);
      const stepEnv = evaluateStrings(step.env, contexts, evaluation);
      const timeoutMs = evaluateMinutes(step.timeoutMinutes, contexts, evaluation);
      const invocation: StepInvocation = {
        ref,
        env: { ...baseEnv, ...stepEnv },
        stepEnv,
        key: `${scope.namePrefix ?? ''}${step.index}`,
        signal: job.cancellation.stepSignal(),
        evaluation,
        ...(timeoutMs ? { timeoutMs } : {}),
      };
      if (job.options.debug) await introspectStep(job, step, scope, invocation);
      return step.kind === 'run' ? await runScriptStep(job, step, scope, invocation) : await runUsesStep(job, step, scope, invocation);
    } catch (err) {
      if (isInfrastructureError(err) && !job.cancellation.cancelled) {
        job.infrastructureFailure ??= `${ref.name}: ${describeError(err)}`;
        continueOnError = false;
      }
      return { outcome: job.cancellation.cancelled ? 'cancelled' : 'failure', outputs: {}, annotations: [], error: describeError(err) };
    }
  })();
  const conclusion: Conclusion = result.outcome === 'failure' && continueOnError ? 'success' : result.outcome;
  record(job, scope, step, ref, result, conclusion, started);
}

function record(job: JobEnvironment, scope: StepScope, step: Step, ref: StepRef, result: StepOutcome, conclusion: Conclusion, started: number) {
  if (step.id) scope.steps[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion };
  if (conclusion === 'failure') scope.status = 'failure';
  if (result.error) job.events.jobInfo?.(job.job, `${ref.name}: ${result.error}`);
  const stepResult: StepResult = {
    index: ref.index,
    ...(step.id ? { id: step.id } : {}),
    name: ref.name,
    stage: ref.stage,
    outcome: result.outcome,
    conclusion,
    outputs: result.outputs,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    annotations: result.annotations,
    ...(result.error ? { error: result.error } : {}),
  };
  job.results.push(stepResult);
  job.events.stepFinished?.(job.job, stepResult);
}
