import { evaluateDeep, toRunnerString, type Contexts, type EvaluationOptions } from '@kact/expressions';
import type { ActionReference, UsesStep } from '@kact/model';
import type { JobEnvironment } from './job-environment.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';

/**
 * `actions/checkout` of the workflow's own repository: kact copied the working tree into the
 * workspace when the job started (as act does), so the step has nothing left to do.
 */
export function isOwnCheckout(reference: ActionReference, step: UsesStep, contexts: Contexts, options: EvaluationOptions): boolean {
  if (reference.kind !== 'remote' || reference.owner !== 'actions' || reference.repo !== 'checkout' || reference.path) return false;
  const repository = step.with.repository === undefined ? '' : toRunnerString(evaluateDeep(step.with.repository, contexts, options));
  const own = String((contexts.github as Record<string, unknown> | undefined)?.repository ?? '');
  return repository === '' || repository.toLowerCase() === own.toLowerCase();
}

export async function runCheckout(job: JobEnvironment, invocation: StepInvocation): Promise<StepOutcome> {
  job.events.stepLog?.(job.job, invocation.ref, 'The workspace already holds the repository: kact copied the working tree when the job started.');
  return { outcome: 'success', outputs: {}, annotations: [] };
}
