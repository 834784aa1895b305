import { interpolate } from '@kact/expressions';
import type { CompositeRuns } from '@kact/model';
import type { ResolvedAction } from '../actions/action-store.js';
import type { ActionInputs } from './action-inputs.js';
import type { JobEnvironment, StepScope } from './job-environment.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';
import { describeError, runSteps } from './run-steps.js';
import { actionEnv } from './uses-step.js';

/**
 * A composite action: its steps run in a scope of their own (their own `steps` and `inputs`
 * contexts and status), seeing the env the calling step was given; its outputs are its
 * `outputs.<name>.value` templates evaluated over that scope.
 */
export async function runCompositeAction(
  job: JobEnvironment,
  resolved: ResolvedAction,
  runs: CompositeRuns,
  inputs: ActionInputs,
  parent: StepScope,
  invocation: StepInvocation,
): Promise<StepOutcome> {
  const scope: StepScope = {
    steps: {},
    status: 'success',
    defaults: {},
    inputs: inputs.values,
    actionPath: resolved.podDir,
    env: { ...parent.env, ...invocation.stepEnv, ...actionEnv(resolved) },
    namePrefix: `${invocation.ref.name} / `,
  };
  await runSteps(job, runs.steps, scope);
  const contexts = job.state.stepContexts({ ...job.state.env, ...scope.env }, scope);
  const outputs: Record<string, string> = {};
  try {
    for (const [name, output] of Object.entries(resolved.action.outputs)) {
      outputs[name] = output.value === undefined ? '' : interpolate(output.value, contexts, invocation.evaluation);
    }
  } catch (err) {
    return { outcome: 'failure', outputs, annotations: [], error: `outputs of ${resolved.uses}: ${describeError(err)}` };
  }
  const outcome = job.cancellation.cancelled && scope.status !== 'failure' ? 'cancelled' : scope.status === 'failure' ? 'failure' : 'success';
  return { outcome, outputs, annotations: [] };
}
