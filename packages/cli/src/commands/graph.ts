import { renderGraph } from '../render/graph.js';
import { readPlan, type CommonFlags } from '../run-inputs.js';

/** `kact graph`: the job DAG, stage by stage. */
export async function graphCommand(flags: CommonFlags): Promise<string> {
  const { plan } = await readPlan(flags);
  return plan.jobs.length === 0 ? 'no jobs' : renderGraph(plan);
}
