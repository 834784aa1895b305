/** A JSON-like value as contexts hold it and as expressions produce it. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** The contexts a workflow expression may name (GitHub's list for steps and jobs). */
export type ContextName =
  | 'github'
  | 'env'
  | 'vars'
  | 'secrets'
  | 'job'
  | 'jobs'
  | 'steps'
  | 'runner'
  | 'strategy'
  | 'matrix'
  | 'needs'
  | 'inputs';

export const CONTEXT_NAMES: readonly ContextName[] = [
  'github',
  'env',
  'vars',
  'secrets',
  'job',
  'jobs',
  'steps',
  'runner',
  'strategy',
  'matrix',
  'needs',
  'inputs',
];

/** Contexts by name; a missing one is seen by expressions as an empty object. */
export type Contexts = Partial<Record<ContextName, Value>>;

export type JobStatus = 'success' | 'failure' | 'cancelled';

export interface EvaluationOptions {
  /** Status seen by success()/failure()/cancelled(); default 'success'. */
  status?: JobStatus;
  /** Root directory for hashFiles(); when absent hashFiles throws an ExpressionError saying it is unavailable. */
  workspace?: string;
}
