import { evaluateDeep, toRunnerString, type Contexts, type EvaluationOptions } from '@kact/expressions';
import type { ActionReference, UsesStep } from '@kact/model';
import type { JobEnvironment } from './job-environment.js';
import { inWorkspace } from './run-script-step.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';

/**
 * `actions/checkout` of the workflow's own repository: kact copied the working tree into the
 * workspace when the job started (as act does), so the step has nothing left to do.
 */
export function isCheckout(reference: ActionReference): boolean {
  return reference.kind === 'remote' && reference.owner === 'actions' && reference.repo === 'checkout' && !reference.path;
}

export function isOwnCheckout(reference: ActionReference, step: UsesStep, contexts: Contexts, options: EvaluationOptions): boolean {
  if (!isCheckout(reference)) return false;
  const repository = step.with.repository === undefined ? '' : toRunnerString(evaluateDeep(step.with.repository, contexts, options));
  const own = String((contexts.github as Record<string, unknown> | undefined)?.repository ?? '');
  return repository === '' || repository.toLowerCase() === own.toLowerCase();
}

export async function runCheckout(job: JobEnvironment, invocation: StepInvocation): Promise<StepOutcome> {
  job.events.stepLog?.(job.job, invocation.ref, 'The workspace already holds the repository: kact copied the working tree when the job started.');
  return { outcome: 'success', outputs: {}, annotations: [] };
}

/**
 * `actions/checkout` of another repository: cloned here from the actions base URL (cached like
 * actions) and copied into `path` under the workspace (the workspace itself by default).
 */
export async function runCheckoutOther(job: JobEnvironment, step: UsesStep, contexts: Contexts, invocation: StepInvocation): Promise<StepOutcome> {
  const input = (name: string) => (step.with[name] === undefined ? '' : toRunnerString(evaluateDeep(step.with[name], contexts, invocation.evaluation)));
  const repository = input('repository');
  const dir = await job.actions.repository(repository, input('ref'), step.location);
  const target = inWorkspace(input('path') || undefined);
  await job.backend.copyIn(job.state.pod, dir, target, { exclude: (p) => p === '.git' || p.startsWith('.git/') });
  job.events.stepLog?.(job.job, invocation.ref, `Checked out ${repository}${input('ref') ? `@${input('ref')}` : ''} into ${target}`);
  return { outcome: 'success', outputs: {}, annotations: [] };
}
