import { toRunnerString, type Value } from '@kact/expressions';

/**
 * An expression's value as `kact eval` prints it: JSON indented by two spaces, numbers written
 * as the runner turns them into strings (`1E+21`, `1.23456789012346E+19`: still JSON numbers).
 * JSON has no Infinity or NaN, which JSON.stringify would turn into `null`: a value that is one
 * prints bare as GitHub's string (`Infinity`, `-Infinity`, `NaN`), and one inside an array or
 * object becomes that string quoted, so a structured result stays parseable JSON.
 */
export function formatEvalValue(value: Value): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return toRunnerString(value);
  return toJson(value, '');
}

function toJson(value: Value, indent: string): string {
  if (typeof value === 'number') {
    const text = toRunnerString(value);
    return Number.isFinite(value) ? text : JSON.stringify(text);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  const [open, close, items] = Array.isArray(value)
    ? ['[', ']', value.map((v) => `${inner}${toJson(v, inner)}`)]
    : ['{', '}', Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`)];
  return items.length === 0 ? `${open}${close}` : `${open}\n${items.join(',\n')}\n${indent}${close}`;
}
