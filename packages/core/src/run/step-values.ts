import { evaluateDeep, toRunnerString, type Contexts, type EvaluationOptions, type Value } from '@kact/expressions';
import type { RawValue, Step } from '@kact/model';

/** Evaluates an env/with mapping to the strings a process sees, as the runner coerces them. */
export function evaluateStrings(map: Record<string, RawValue> | undefined, contexts: Contexts, options: EvaluationOptions): Record<string, string> {
  const out: Record<string, string> = {};
  // Own properties: `out[key] =` would drop a variable named `__proto__`.
  const set = (key: string, value: string) => Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, raw] of Object.entries(map ?? {})) {
    if (!/^\$\{\{\s*insert\s*\}\}$/.test(key)) set(key, toRunnerString(evaluateDeep(raw, contexts, options)));
    // `${{ insert }}: <mapping>` adds the mapping's entries (evaluateDeep carries the directive out).
    else for (const [k, v] of Object.entries(evaluateDeep({ [key]: raw }, contexts, options) as Record<string, Value>)) set(k, toRunnerString(v));
  }
  return out;
}

/** A boolean field such as continue-on-error: true, 'true' or an expression yielding truthy. */
export function evaluateFlag(raw: RawValue | undefined, contexts: Contexts, options: EvaluationOptions): boolean {
  if (raw === undefined || raw === null) return false;
  const v: Value = evaluateDeep(raw, contexts, options);
  return typeof v === 'string' ? v.toLowerCase() === 'true' : Boolean(v);
}

/** timeout-minutes in milliseconds, or undefined when not set. */
export function evaluateMinutes(raw: RawValue | undefined, contexts: Contexts, options: EvaluationOptions): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const minutes = Number(evaluateDeep(raw, contexts, options));
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`timeout-minutes must be a positive number, got ${JSON.stringify(raw)}`);
  return Math.round(minutes * 60_000);
}

/** GitHub's default step names: `Run <first line>` / `Run <uses>`. */
export function defaultStepName(step: Step): string {
  if (step.kind === 'uses') return `Run ${step.uses}`;
  const first = step.run.split('\n').find((l) => l.trim() !== '') ?? '';
  return `Run ${first.trim()}`;
}
