/**
 * `needs` checks with messages that name the problem. GitHub's parser reports a cycle once per
 * edge without naming it (and, for a workflow where every job has needs, only "must contain at
 * least one job with no dependencies"); users need the cycle itself: `a -> b -> a`.
 */
import type { Diagnostic } from './errors.js';
import type { SourceLocation } from './types.js';

export interface NeedsEntry {
  job: string;
  needs: Array<{ name: string; location: SourceLocation }>;
}

/** Messages GitHub's parser gives for needs problems; `checkNeeds` replaces them. */
export const GITHUB_NEEDS_MESSAGES = [
  /depends on unknown job/,
  /which creates a cycle in the dependency graph/,
  /must contain at least one job with no dependencies/,
];

export function checkNeeds(jobs: NeedsEntry[]): Diagnostic[] {
  const byId = new Map(jobs.map((j) => [j.job, j]));
  const diagnostics: Diagnostic[] = [];
  for (const job of jobs) {
    for (const need of job.needs) {
      if (!byId.has(need.name)) {
        diagnostics.push({ message: `Job '${job.job}' depends on unknown job '${need.name}'.`, location: need.location });
      }
    }
  }
  diagnostics.push(...findCycles(jobs, byId));
  return diagnostics;
}

function findCycles(jobs: NeedsEntry[], byId: Map<string, NeedsEntry>): Diagnostic[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];

  const visit = (job: NeedsEntry): void => {
    state.set(job.job, 'visiting');
    stack.push(job.job);
    for (const need of job.needs) {
      const next = byId.get(need.name);
      if (!next) continue;
      if (state.get(next.job) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next.job));
        const key = [...cycle].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          diagnostics.push(cycleDiagnostic(cycle, jobs, byId));
        }
      } else if (!state.has(next.job)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(job.job, 'done');
  };

  for (const job of jobs) if (!state.has(job.job)) visit(job);
  return diagnostics;
}

/** Names the cycle from the job that comes first in the file, at that job's `needs` entry. */
function cycleDiagnostic(cycle: string[], jobs: NeedsEntry[], byId: Map<string, NeedsEntry>): Diagnostic {
  const order = new Map(jobs.map((j, i) => [j.job, i]));
  const first = cycle.reduce((a, b) => ((order.get(a) ?? 0) <= (order.get(b) ?? 0) ? a : b));
  const start = cycle.indexOf(first);
  const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
  // The DFS walks job -> its need, so `rotated[i]` needs `rotated[i + 1]`.
  const path = [...rotated, first].join(' -> ');
  const firstNeed = byId.get(first)?.needs.find((n) => n.name === rotated[1 % rotated.length]);
  return {
    message: `Jobs form a cycle through needs: ${path}`,
    ...(firstNeed ? { location: firstNeed.location } : {}),
  };
}
