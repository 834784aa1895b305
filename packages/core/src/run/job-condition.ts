import { evaluateCondition, type Contexts, type EvaluationOptions } from '@kact/expressions';
import type { Conclusion } from './results.js';

const STATUS_FUNCTION = /\b(success|failure|always|cancelled)\s*\(/i;

/**
 * A job's `if:` as GitHub decides it: without a status function the job runs only when every
 * needed job succeeded; with one, `failure()` is true when a needed job failed or was
 * cancelled and `cancelled()` when the run was.
 */
export function shouldRunJob(condition: string | undefined, needResults: Conclusion[], runCancelled: boolean, contexts: Contexts, options: EvaluationOptions): boolean {
  const failed = needResults.some((r) => r === 'failure' || r === 'cancelled');
  const status = runCancelled ? 'cancelled' : failed ? 'failure' : 'success';
  if (!condition || !STATUS_FUNCTION.test(condition)) {
    if (runCancelled || needResults.some((r) => r !== 'success')) return false;
  }
  return evaluateCondition(condition, contexts, { ...options, status });
}
