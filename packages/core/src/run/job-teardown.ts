import type { JobRunnerDeps } from './job-runner.js';

/**
 * Leaves work that ends a job (deleting its pod) to the run, which awaits it at its end
 * (JobRunnerDeps.teardowns), so the jobs that need this one need not; without a run to leave it
 * to, the caller awaits it.
 */
export function afterJob(deps: Pick<JobRunnerDeps, 'teardowns'>, work: Promise<unknown>): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  const teardowns = deps.teardowns;
  if (!teardowns) return settled;
  teardowns.add(settled);
  void settled.finally(() => teardowns.delete(settled));
  return Promise.resolve();
}
