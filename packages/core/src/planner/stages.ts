import { InputError } from '@kact/model';

interface Staged {
  key: string;
  needs: string[];
  stage: number;
}

/**
 * Sets each job's stage to one more than the latest stage it needs (0 without needs) and
 * groups the jobs by stage, keeping their order within a stage. Needs outside the given jobs
 * are ignored; a cycle (the model rejects those first) is reported rather than looped on.
 */
export function orderInStages<T extends Staged>(jobs: T[]): T[][] {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const done = new Map<string, number>();
  const visiting: string[] = [];
  const stageOf = (job: T): number => {
    const known = done.get(job.key);
    if (known !== undefined) return known;
    if (visiting.includes(job.key)) {
      throw InputError.at(`jobs need each other in a cycle: ${[...visiting.slice(visiting.indexOf(job.key)), job.key].join(' -> ')}`);
    }
    visiting.push(job.key);
    const needed = job.needs.map((n) => byKey.get(n)).filter((n): n is T => n !== undefined);
    const stage = needed.length === 0 ? 0 : 1 + Math.max(...needed.map(stageOf));
    visiting.pop();
    done.set(job.key, stage);
    return stage;
  };
  const stages: T[][] = [];
  for (const job of jobs) {
    job.stage = stageOf(job);
    (stages[job.stage] ??= []).push(job);
  }
  return stages.map((s) => s ?? []);
}
