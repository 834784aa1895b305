/**
 * What kact's commands import when they run, each when first asked for. The built kact has this
 * module and all it imports in one CommonJS file that V8 runs from a code cache (bundle.mjs,
 * code-cache.ts), one cache per key here: a dry run compiles other code than a run.
 */
export const loadCommands = {
  list: () => import('./list.js'),
  graph: () => import('./graph.js'),
  run: () => import('./run.js'),
  dryRun: () => import('./run.js'),
  gc: () => import('./gc.js'),
  eval: () => import('./eval.js'),
  expressions: () => import('@kact/expressions'),
  errors: () => import('../errors.js'),
};

export type CommandKey = keyof typeof loadCommands;
