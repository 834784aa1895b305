import type { Contexts } from '@kact/expressions';
import type { UsesStep } from '@kact/model';
import { parseActionReference } from '@kact/model';
import type { ResolvedAction } from '../actions/action-store.js';
import { actionInputs, type ActionInputs } from './action-inputs.js';
import { localActionFromPod } from './action-from-pod.js';
import { isCheckout, isOwnCheckout, runCheckout, runCheckoutOther } from './checkout.js';
import { runCompositeAction } from './composite-action.js';
import { runDockerAction, runDockerImage } from './docker-action.js';
import type { JobEnvironment, StepScope } from './job-environment.js';
import { warnLocalPre } from './local-action-pre.js';
import { runNodeAction } from './node-action.js';
import { refuseNulBytes } from './nul-bytes.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';

/** Env the runner sets for an action's process: where it is and which it is. */
export function actionEnv(resolved: ResolvedAction): Record<string, string> {
  const env: Record<string, string> = { GITHUB_ACTION_PATH: resolved.podDir };
  if (resolved.reference.kind === 'remote') {
    env.GITHUB_ACTION_REPOSITORY = `${resolved.reference.owner}/${resolved.reference.repo}`;
    env.GITHUB_ACTION_REF = resolved.reference.ref;
  }
  return env;
}

/** Copies a remote action's clone into the pod once per job (its pre step may come first). */
export async function ensureInPod(job: JobEnvironment, resolved: ResolvedAction): Promise<void> {
  if (!resolved.checkout) return;
  const copied = job.state.copiedActions;
  if (copied.has(resolved.checkout.podDir)) return;
  copied.add(resolved.checkout.podDir);
  await job.backend.copyIn(job.state.pod, resolved.checkout.localDir, resolved.checkout.podDir, { exclude: (p) => p === '.git' || p.startsWith('.git/') });
}

/** A `uses:` step: a docker image, the workspace checkout, or a node, composite or docker action. */
export async function runUsesStep(job: JobEnvironment, step: UsesStep, scope: StepScope, invocation: StepInvocation): Promise<StepOutcome> {
  const contexts = job.state.stepContexts(invocation.env, scope);
  const reference = parseActionReference(step.uses, step.location);
  refuseNulBytes({ env: invocation.env }, step.location);
  if (reference.kind === 'docker') return runDockerImage(job, step, reference.image, contexts, invocation);
  if (isOwnCheckout(reference, step, contexts, invocation.evaluation)) return runCheckout(job, invocation);
  if (isCheckout(reference)) return runCheckoutOther(job, step, contexts, invocation);
  let resolved: ResolvedAction;
  try {
    resolved = await job.actions.resolve(step.uses, step.location);
  } catch (err) {
    const fromPod = reference.kind === 'local' ? await localActionFromPod(job, step.uses, reference, step.location) : undefined;
    if (!fromPod) throw err;
    resolved = fromPod;
  }
  await ensureInPod(job, resolved);
  const inputs = actionInputs(resolved.action, step.with, contexts, invocation.evaluation);
  refuseNulBytes({ inputs: inputs.values }, step.location);
  for (const warning of inputs.warnings) job.events.jobInfo?.(job.job, `${invocation.ref.name}: warning: ${warning}`);
  const warnings = warnLocalPre(job, invocation.ref, step.uses, resolved.reference, resolved.action);
  const outcome = await runAction(job, resolved, inputs, contexts, scope, invocation);
  return warnings.length ? { ...outcome, annotations: [...warnings, ...outcome.annotations] } : outcome;
}

function runAction(
  job: JobEnvironment,
  resolved: ResolvedAction,
  inputs: ActionInputs,
  contexts: Contexts,
  scope: StepScope,
  invocation: StepInvocation,
): Promise<StepOutcome> {
  const runs = resolved.action.runs;
  switch (runs.using) {
    case 'composite':
      return runCompositeAction(job, resolved, runs, inputs, scope, invocation);
    case 'docker':
      return runDockerAction(job, resolved, runs, inputs, contexts, invocation);
    default:
      return runNodeAction(job, resolved, runs, inputs, invocation);
  }
}
