/**
 * Test doubles for kact and its plugins: run a workflow, a strategy or a decorator without a
 * cluster. See README.md for what each models and what it does not.
 */
export { LocalPods } from './local-pods.js';
export { LocalTransport, localBusybox } from './local-transport.js';
export { runWorkflowLocally, type LocalRun, type RunLocallyOptions } from './run-workflow-locally.js';
export { decoratorsOf } from './plugin-decorators.js';
