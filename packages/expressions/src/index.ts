export type { Contexts, ContextName, EvaluationOptions, JobStatus, Value } from './types.js';
export { ExpressionError } from './errors.js';
export { evaluate } from './evaluate.js';
export { evaluateCondition } from './condition.js';
export { containsExpression, evaluateDeep, evaluateTemplate, interpolate, splitTemplate, type TemplatePart } from './template.js';
export { toRunnerString } from './coerce.js';
export { validateExpression } from './parse.js';
export { hashFiles } from './hash-files.js';
