/** @kact/model: load and validate GitHub Actions workflows and action.yml files. */
export * from './types.js';
export * from './errors.js';
export { loadWorkflowFile, loadWorkflows, type LoadOptions } from './load-workflow.js';
export { loadAction, ACTION_FILE_NAMES, type LoadActionOptions } from './load-action.js';
export { parseActionReference } from './action-reference.js';
