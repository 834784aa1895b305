import { evaluateTemplate, toRunnerString, type Contexts, type EvaluationOptions, type Value } from '@kact/expressions';
import type { Action, RawValue } from '@kact/model';
import { evaluateStrings } from './step-values.js';

export interface ActionInputs {
  /** The inputs context for the action (composite steps, args templates). */
  values: Record<string, string>;
  /** INPUT_<NAME> variables, as the runner names them. */
  env: Record<string, string>;
  warnings: string[];
}

export const inputEnvName = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * Evaluates a step's `with:` against the action's declared inputs: defaults (which may be
 * templates, e.g. `${{ github.token }}`) fill the gaps, and missing required or unknown inputs
 * give the runner's warnings.
 */
export function actionInputs(action: Action, withValues: Record<string, RawValue>, contexts: Contexts, options: EvaluationOptions): ActionInputs {
  const given = evaluateStrings(withValues, contexts, options);
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  const declared = Object.keys(action.inputs);
  const unexpected = Object.keys(given).filter((k) => !declared.some((d) => d.toLowerCase() === k.toLowerCase()));
  if (unexpected.length > 0 && declared.length > 0) {
    warnings.push(`Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.join("', '")}']`);
  }
  for (const [name, input] of Object.entries(action.inputs)) {
    const key = Object.keys(given).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) values[name] = given[key]!;
    else if (input.default !== undefined) values[name] = toRunnerString(evaluateTemplate(input.default, contexts, options) as Value);
    else {
      values[name] = '';
      if (input.required) warnings.push(`Input required and not supplied: ${name}`);
    }
  }
  for (const name of unexpected) values[name] = given[name]!;
  const env = Object.fromEntries(Object.entries(values).map(([k, v]) => [inputEnvName(k), v]));
  return { values, env, warnings };
}
