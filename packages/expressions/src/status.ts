import { data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import type { JobStatus } from './types.js';

/** Names of the functions that make an `if:` take charge of the job status itself. */
export const STATUS_FUNCTION_NAMES = ['success', 'failure', 'cancelled', 'always'] as const;

function statusFunction(name: string, holds: (status: JobStatus) => boolean) {
  return (status: JobStatus): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(holds(status)),
  });
}

/** GitHub's semantics: each of success/failure/cancelled is true only in its own status. */
export const statusFunctions = {
  success: statusFunction('success', (s) => s === 'success'),
  failure: statusFunction('failure', (s) => s === 'failure'),
  cancelled: statusFunction('cancelled', (s) => s === 'cancelled'),
  always: statusFunction('always', () => true),
};
