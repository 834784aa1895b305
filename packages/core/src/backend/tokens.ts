/**
 * Inversify tokens: the only contract between the interpreter and its plugins. `Symbol.for`
 * keeps them equal when a plugin package brings its own copy of @kact/core.
 */
export const TOKENS = {
  /** StepStrategy: where and how a step's process runs in the pod. */
  StepStrategy: Symbol.for('kact.StepStrategy'),
  /** JobBackend: creates and removes job pods. */
  JobBackend: Symbol.for('kact.JobBackend'),
} as const;
