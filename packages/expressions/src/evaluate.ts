import { data, Evaluator } from '@actions/expressions';
import { fromData, toData } from './coerce.js';
import { asExpressionError } from './errors.js';
import { runtimeFunctions } from './functions.js';
import { parseExpression } from './parse.js';
import { CONTEXT_NAMES, type Contexts, type EvaluationOptions, type Value } from './types.js';

/** The library needs every declared context present; a missing one is an empty object. */
function contextData(contexts: Contexts): data.Dictionary {
  const dict = new data.Dictionary();
  for (const name of CONTEXT_NAMES) dict.add(name, toData(contexts[name] ?? {}));
  return dict;
}

export function evaluateData(expression: string, contexts: Contexts, options: EvaluationOptions = {}): data.ExpressionData {
  const tree = parseExpression(expression);
  try {
    return new Evaluator(tree, contextData(contexts), runtimeFunctions(options)).evaluate();
  } catch (e) {
    throw asExpressionError(e, expression.trim(), 'Error evaluating expression');
  }
}

/** Evaluates the text inside `${{ }}` and returns its typed value. */
export function evaluate(expression: string, contexts: Contexts, options?: EvaluationOptions): Value {
  return fromData(evaluateData(expression, contexts, options));
}
