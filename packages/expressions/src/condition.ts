import type { Expr } from '@actions/expressions';
import { Binary, FunctionCall, Grouping, IndexAccess, Logical, Unary } from '@actions/expressions/ast';
import { truthy } from '@actions/expressions/result';
import { toData } from './coerce.js';
import { evaluateData } from './evaluate.js';
import { parseExpression } from './parse.js';
import { STATUS_FUNCTION_NAMES } from './status.js';
import { containsExpression, evaluateTemplate, soleExpression, splitTemplate } from './template.js';
import type { Contexts, EvaluationOptions } from './types.js';

function children(node: Expr): Expr[] {
  if (node instanceof FunctionCall || node instanceof Logical) return node.args;
  if (node instanceof Binary) return [node.left, node.right];
  if (node instanceof Unary) return [node.expr];
  if (node instanceof Grouping) return [node.group];
  if (node instanceof IndexAccess) return [node.expr, node.index];
  return [];
}

function callsStatusFunction(node: Expr): boolean {
  if (node instanceof FunctionCall) {
    const name = node.functionName.lexeme.toLowerCase();
    if ((STATUS_FUNCTION_NAMES as readonly string[]).includes(name)) return true;
  }
  return children(node).some(callsStatusFunction);
}

/**
 * `if:` semantics: an empty condition means `success()`; a condition that calls none of
 * success/failure/cancelled/always runs only while the job is succeeding (`success() && (expr)`).
 * A value that is one `${{ … }}` is the expression inside it; any other text with `${{` is a
 * string template, whose (usually non-empty, so true) string is what GitHub tests.
 */
export function evaluateCondition(condition: string | undefined, contexts: Contexts, options: EvaluationOptions = {}): boolean {
  const succeeding = (options.status ?? 'success') === 'success';
  let expression = (condition ?? '').trim();
  if (containsExpression(expression)) {
    const sole = soleExpression(splitTemplate(expression));
    if (sole === undefined) {
      return succeeding && truthy(toData(evaluateTemplate(expression, contexts, options)));
    }
    expression = sole.trim();
  }
  if (expression === '') return succeeding;
  const tree = parseExpression(expression);
  if (callsStatusFunction(tree)) return truthy(evaluateData(expression, contexts, options));
  return succeeding && truthy(evaluateData(expression, contexts, options));
}
