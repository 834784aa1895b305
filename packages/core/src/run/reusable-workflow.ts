import { evaluateDeep, interpolate, toRunnerString, type Contexts, type Value } from '@kact/expressions';
import type { CallJob, RawValue } from '@kact/model';
import { plan } from '../planner/plan.js';
import { combine, type JobOutcome, type JobScheduler, type SchedulerOptions } from './job-scheduler.js';
import { describeError } from './run-steps.js';

type Mapping = Record<string, RawValue>;
const mapping = (v: RawValue | undefined): Mapping => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});

/** A `with:` value typed as the callee's input declares it (boolean, number or string). */
function typed(value: Value, type: RawValue | undefined): Value {
  if (type === 'boolean') return typeof value === 'string' ? value.toLowerCase() === 'true' : Boolean(value);
  if (type === 'number') return typeof value === 'number' ? value : Number(value);
  return typeof value === 'string' ? value : toRunnerString(value);
}

/**
 * A job that calls a local reusable workflow: its `with:` and `secrets:` become the callee's
 * `inputs` and `secrets` (defaults and types from `on.workflow_call`), the callee's jobs run
 * under the caller's name (`caller / job`), and its `on.workflow_call.outputs` are evaluated
 * over the `jobs` context of what ran.
 */
export async function runReusableWorkflow(scheduler: JobScheduler, job: CallJob, contexts: Contexts, options: SchedulerOptions, namePrefix: string): Promise<JobOutcome> {
  const callee = job.workflow;
  if (!callee) return { result: 'failure', outputs: {} };
  const call = mapping(callee.on.workflow_call);
  const evaluation = { workspace: options.repoRoot };
  try {
    const given = evaluateDeep(job.with, contexts, evaluation) as Record<string, Value>;
    const inputs: Record<string, Value> = {};
    for (const [name, raw] of Object.entries(mapping(call.inputs))) {
      const spec = mapping(raw);
      const value = name in given ? given[name]! : spec.default === undefined ? null : evaluateDeep(spec.default, contexts, evaluation);
      inputs[name] = value === null ? (spec.type === 'boolean' ? false : spec.type === 'number' ? 0 : '') : typed(value, spec.type);
    }
    const secrets = job.secrets === 'inherit' ? (contexts.secrets as Record<string, Value>) : (evaluateDeep(job.secrets, contexts, evaluation) as Record<string, Value>);
    const calleeContexts: Contexts = { ...contexts, inputs, secrets: { GITHUB_TOKEN: '', ...secrets }, needs: {}, matrix: {} };
    const calleePlan = plan([callee], { contexts: calleeContexts, containers: options.containers });
    for (const planned of calleePlan.jobs) {
      planned.key = `${namePrefix}${planned.key}`;
      planned.needs = planned.needs.map((n) => `${namePrefix}${n}`);
    }
    const outcomes = await scheduler.runJobs(calleePlan, calleeContexts, namePrefix);
    const jobs = Object.fromEntries([...outcomes].map(([id, o]) => [id, { result: o.result, outputs: o.outputs }]));
    const outputs: Record<string, string> = {};
    for (const [name, raw] of Object.entries(mapping(call.outputs))) {
      const value = mapping(raw).value;
      if (typeof value === 'string') outputs[name] = interpolate(value, { ...calleeContexts, jobs: jobs as unknown as Value }, evaluation);
    }
    return { result: combine([...outcomes.values()]), outputs };
  } catch (err) {
    throw new Error(`${job.uses}: ${describeError(err)}`);
  }
}
