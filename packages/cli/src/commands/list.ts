import { workflowEvents } from '@kact/core';
import { readPlan, type CommonFlags } from '../run-inputs.js';
import { renderTable } from '../render/table.js';

/** `kact list`: every job with its stage, name, workflow and the events that trigger it. */
export async function listCommand(flags: CommonFlags): Promise<string> {
  const { plan } = await readPlan(flags);
  const rows = plan.jobs.map((j) => [
    String(j.stage),
    j.job.id,
    j.job.name ?? j.job.id,
    j.workflow.name,
    j.workflow.file,
    workflowEvents(j.workflow).join(','),
  ]);
  return renderTable(['Stage', 'Job ID', 'Job name', 'Workflow name', 'Workflow file', 'Events'], rows);
}
