import type { Value } from '@kact/expressions';
import type { RawValue, Workflow } from '@kact/model';

const mapping = (v: RawValue | undefined): Record<string, RawValue> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});

/**
 * The `inputs` context of a workflow_dispatch run: each declared input's default, overridden by
 * what was given (`--input`, the payload's `inputs`), booleans and numbers typed as declared.
 */
export function dispatchInputs(workflow: Workflow, event: string, given: Record<string, Value>): Record<string, Value> {
  if (event !== 'workflow_dispatch') return given;
  const declared = mapping(mapping(workflow.on.workflow_dispatch).inputs);
  const inputs: Record<string, Value> = { ...given };
  for (const [name, raw] of Object.entries(declared)) {
    const spec = mapping(raw);
    const value: Value = name in given ? given[name]! : ((spec.default as Value | undefined) ?? (spec.type === 'boolean' ? false : ''));
    inputs[name] = spec.type === 'boolean' ? value === true || String(value).toLowerCase() === 'true' : spec.type === 'number' && value !== '' ? Number(value) : value;
  }
  return inputs;
}
