import type { Workflow } from '@kact/model';

/** The events a workflow's `on:` names, in file order. */
export function workflowEvents(workflow: Workflow): string[] {
  return Object.keys(workflow.on);
}

/**
 * Whether an event starts the workflow. As act does, only the event name is matched: branch,
 * tag and path filters describe the remote's pushes, which a local run does not have.
 */
export function isTriggeredBy(workflow: Workflow, event: string): boolean {
  return Object.prototype.hasOwnProperty.call(workflow.on, event);
}
