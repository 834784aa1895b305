import type { Action, ActionReference } from '@kact/model';
import { formatAnnotation } from '../output/annotations.js';
import type { JobEnvironment } from './job-environment.js';
import type { Annotation } from './results.js';
import type { StepRef } from './run-events.js';

/**
 * GitHub's runner registers a pre stage only for actions from another repository
 * (ActionManager.PrepareActionsAsync skips `RepositoryType == "self"`): a local action's
 * (`uses: ./…`) `pre:` or `pre-entrypoint:` never runs, the step's main and post still do.
 */
export function runsPreStage(reference: ActionReference): boolean {
  return reference.kind === 'remote';
}

/** `pre:` of a node action, `pre-entrypoint:` of a docker action (the runner's HasPre). */
function declaresPre(action: Action): boolean {
  const runs = action.runs;
  if (runs.using === 'composite') return false;
  return Boolean(runs.using === 'docker' ? runs.preEntrypoint : runs.pre);
}

/** The runner's text (ActionRunner.RunAsync), `uses` verbatim as its RepositoryPathReference.Path. */
export function localPreWarning(uses: string): string {
  return `\`pre\` execution is not supported for local action from '${uses}'`;
}

/**
 * When a local action declares a pre stage, tells so in the step's log and returns the warning
 * annotation for the step, as the runner's `ExecutionContext.Warning` does before main runs.
 */
export function warnLocalPre(job: JobEnvironment, ref: StepRef, uses: string, reference: ActionReference, action: Action): Annotation[] {
  if (runsPreStage(reference) || !declaresPre(action)) return [];
  const annotation: Annotation = { level: 'warning', message: job.masker.mask(localPreWarning(uses)) };
  job.events.stepLog?.(job.job, ref, formatAnnotation(annotation));
  return [annotation];
}
