import { evaluateDeep, type Contexts, type Value } from '@kact/expressions';
import { InputError, isInputError, type Job, type SourceLocation, type Workflow } from '@kact/model';
import { isTriggeredBy } from './events.js';
import { expandMatrix, filterLegs, legDisplayName, type MatrixLeg } from './matrix.js';
import type { ContainerSelection } from '../backend/container-selection.js';
import { resolveRunsOn, type RunsOn } from './runs-on.js';
import { orderInStages } from './stages.js';

export interface PlanOptions {
  /** Keep only workflows this event triggers; undefined plans every workflow (list, graph). */
  event?: string;
  /** `-j`: plan this job and, transitively, the jobs it needs. */
  jobId?: string;
  /** `--matrix key:value` filters. */
  matrixFilter?: Record<string, string[]>;
  /** Contexts known before any job runs (github, vars, inputs, secrets, env). */
  contexts: Contexts;
  /** What each leg's runs-on labels run on. */
  containers: ContainerSelection;
}

/** One matrix combination of a job, ready to become a pod. */
export interface PlannedLeg {
  matrix: MatrixLeg;
  /** Display name, GitHub style: `build (ubuntu, 20)`. */
  name: string;
  /** Undefined for jobs that call a reusable workflow. */
  runsOn?: RunsOn;
}

export interface PlannedJob {
  /** Unique across workflows: `<workflow file>#<job id>`. */
  key: string;
  workflow: Workflow;
  job: Job;
  /** Keys of the jobs this one needs. */
  needs: string[];
  stage: number;
  /**
   * Matrix legs, or `deferred` when the matrix or runs-on reads `needs`, whose outputs exist only
   * once those jobs ran: the scheduler expands it then.
   */
  legs: PlannedLeg[] | 'deferred';
  failFast: boolean;
  maxParallel?: number;
}

export interface Plan {
  workflows: Workflow[];
  jobs: PlannedJob[];
  /** Jobs grouped by stage: every job's needs sit in earlier stages. */
  stages: PlannedJob[][];
}

export const jobKey = (workflow: Workflow, jobId: string) => `${workflow.file}#${jobId}`;

/** Adds the job's location to an input error that has none (matrix and runs-on problems). */
function locate<T>(location: SourceLocation, what: () => T): T {
  try {
    return what();
  } catch (err) {
    if (isInputError(err)) {
      throw new InputError(err.diagnostics.map((d) => (d.location ? d : { ...d, location })));
    }
    throw err;
  }
}

const readsNeeds = (value: unknown): boolean => JSON.stringify(value ?? null).includes('needs.');

function toBoolean(value: Value, fallback: boolean): boolean {
  if (value === null || value === '') return fallback;
  if (typeof value === 'string') return value.toLowerCase() !== 'false';
  return Boolean(value);
}

/** Expands one job's matrix and resolves each leg's runs-on; pure given its contexts. */
export function planLegs(job: Job, contexts: Contexts, containers: ContainerSelection, matrixFilter: Record<string, string[]> = {}): PlannedLeg[] {
  return locate(job.location, () => {
    const matrix = job.strategy?.matrix === undefined ? undefined : evaluateDeep(job.strategy.matrix, contexts);
    const legs = filterLegs(expandMatrix(matrix), matrixFilter);
    return legs.map((leg) => {
      const legContexts: Contexts = { ...contexts, matrix: leg };
      const rawName = job.name ?? job.id;
      const named = job.name !== undefined && job.name.includes('matrix.');
      const evaluatedName = String(evaluateDeep(rawName, legContexts) ?? job.id);
      const name = named ? evaluatedName : legDisplayName(evaluatedName, leg);
      if (job.kind === 'call') return { matrix: leg, name };
      return { matrix: leg, name, runsOn: resolveRunsOn(evaluateDeep(job.runsOn, legContexts), containers) };
    });
  });
}

function selectJobs(workflow: Workflow, jobId: string | undefined): Job[] {
  if (jobId === undefined) return workflow.jobs;
  const byId = new Map(workflow.jobs.map((j) => [j.id, j]));
  const chosen = new Set<string>();
  const visit = (id: string) => {
    if (chosen.has(id)) return;
    chosen.add(id);
    for (const need of byId.get(id)?.needs ?? []) visit(need);
  };
  if (byId.has(jobId)) visit(jobId);
  return workflow.jobs.filter((j) => chosen.has(j.id));
}

/**
 * Builds the run plan: the triggered workflows' jobs (or `-j`'s job and what it needs), their
 * stages, matrix legs and images. Throws InputError for a `-j` that names no job.
 */
export function plan(workflows: Workflow[], options: PlanOptions): Plan {
  const triggered = options.event === undefined ? workflows : workflows.filter((w) => isTriggeredBy(w, options.event!));
  const jobs: PlannedJob[] = [];
  for (const workflow of triggered) {
    const contexts: Contexts = { ...options.contexts, env: { ...(workflow.env as Record<string, Value>) } };
    for (const job of selectJobs(workflow, options.jobId)) {
      const strategy = job.strategy;
      const deferred = readsNeeds(strategy?.matrix) || (job.kind === 'steps' && readsNeeds(job.runsOn)) || readsNeeds(job.name);
      const failFast = locate(job.location, () => toBoolean(evaluateDeep(strategy?.failFast ?? null, contexts), true));
      const maxParallelValue = locate(job.location, () => evaluateDeep(strategy?.maxParallel ?? null, contexts));
      const maxParallel = maxParallelValue === null || maxParallelValue === '' ? undefined : Number(maxParallelValue);
      if (maxParallel !== undefined && !(Number.isInteger(maxParallel) && maxParallel > 0)) {
        throw InputError.at(`strategy.max-parallel must be a positive whole number, got ${JSON.stringify(maxParallelValue)}`, job.location);
      }
      jobs.push({
        key: jobKey(workflow, job.id),
        workflow,
        job,
        needs: job.needs.map((n) => jobKey(workflow, n)),
        stage: 0,
        legs: deferred ? 'deferred' : planLegs(job, contexts, options.containers, options.matrixFilter),
        failFast,
        ...(maxParallel === undefined ? {} : { maxParallel }),
      });
    }
  }
  if (options.jobId !== undefined && !jobs.some((j) => j.job.id === options.jobId)) {
    const known = [...new Set(triggered.flatMap((w) => w.jobs.map((j) => j.id)))].sort();
    throw InputError.at(
      `no job '${options.jobId}' in the ${options.event ? `workflows triggered by '${options.event}'` : 'workflows'}` +
        (known.length ? `; jobs: ${known.join(', ')}` : ''),
    );
  }
  const stages = orderInStages(jobs);
  return { workflows: triggered, jobs, stages };
}
