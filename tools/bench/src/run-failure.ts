import type { RunResult } from '@kact/core';

/** Why a run did not succeed, in one line: job errors, failed steps, else kact's last messages. */
export function failureOf(result: RunResult, messages: readonly string[]): string {
  const reasons = result.jobs.flatMap((j) => [
    ...(j.error ? [`${j.name}: ${j.error}`] : []),
    ...j.steps.filter((s) => s.conclusion === 'failure').map((s) => `${j.name} / ${s.name}: ${s.error ?? 'failed'}`),
  ]);
  const why = reasons.length > 0 ? reasons : messages.slice(-3);
  return `run ${result.result}: ${why.slice(0, 3).join('; ') || 'no reason given'}`;
}
