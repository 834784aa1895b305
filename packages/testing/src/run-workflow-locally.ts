import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadWorkflows } from '@kact/model';
import {
  ActionStore,
  Cancellation,
  githubContext,
  plan,
  runPlan,
  type ActionRuntime,
  type ContainerSelection,
  type JobResult,
  type RunEvents,
  type RunResult,
  type StepResult,
  type StepStrategy,
  type StepStrategyDecorator,
} from '@kact/core';
import { LocalPods } from './local-pods.js';

export interface RunLocallyOptions {
  /** The event the workflows are planned and run for (default `push`). */
  event?: string;
  /** `secrets.*`, also masked in the logs. */
  secrets?: Record<string, string>;
  /** Cancels the run after this long, as Ctrl-C would. */
  cancelAfterMs?: number;
  /** `--debug`: step details and `::debug::` lines in the logs. */
  debug?: boolean;
  /**
   * Where remote actions (`uses: owner/repo@ref`) are fetched from, e.g. `file:///path/to/repos`;
   * without it the run is offline and only local actions resolve.
   */
  actionsUrl?: string;
  /** The backend and the base strategy (default: a new LocalPods). Pass a subclass to fake failures. */
  pods?: LocalPods;
  /**
   * Wraps the base strategy: one decorator or several, applied in order (the first innermost), as
   * kact applies the decorators its plugins bind.
   */
  decorate?: StepStrategyDecorator | readonly StepStrategyDecorator[];
  /** The run's artifact and cache services, as `kact run` passes them. */
  runtime?: ActionRuntime;
  /** `--concurrent-jobs` (default 4). */
  concurrentJobs?: number;
}

export interface LocalRun {
  result: RunResult;
  /** `job name | step name | line` for every log line, masked as kact masks them. */
  logs: string[];
  /** `job name: message` for what kact tells about a job besides its steps' output. */
  info: string[];
  pods: LocalPods;
  /** The strategy steps ran on: `pods`, decorated. */
  strategy: StepStrategy;
  /** A job by display name or id; throws naming the jobs there are. */
  job(name: string): JobResult;
  /** A step of a job by display name or id; throws naming the steps there are. */
  step(job: string, name: string): StepResult;
}

/**
 * Runs a repository's workflows through kact's interpreter on LocalPods, with no cluster: writes
 * `files` (path → text, the workflows under `.github/workflows/`) into a temporary repository,
 * plans the workflows its event triggers and runs them. Every `runs-on: ubuntu-*` job runs on this
 * machine; another label fails the plan. The repository is removed afterwards.
 */
export async function runWorkflowLocally(files: Record<string, string>, options: RunLocallyOptions = {}): Promise<LocalRun> {
  const repoRoot = mkdtempSync(join(tmpdir(), 'kact-repo-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
      writeFileSync(join(repoRoot, path), text);
    }
    const workflows = await loadWorkflows(join(repoRoot, '.github/workflows'), { repoRoot });
    const event = options.event ?? 'push';
    const secrets = options.secrets ?? {};
    const contexts = {
      github: githubContext({ git: { sha: 'f'.repeat(40), ref: 'refs/heads/main', repository: 'acme/repo' }, eventName: event, event: {} }),
      secrets,
      vars: {},
      inputs: {},
      env: {},
    };
    // Every job runs on the host here: the image is only a name.
    const containers: ContainerSelection = { name: 'local-test', hint: 'map it', select: (labels) => (labels.some((l) => l.startsWith('ubuntu')) ? { image: 'local' } : undefined) };
    const planned = plan(workflows, { event, contexts, containers });
    const pods = options.pods ?? new LocalPods();
    const decorators = typeof options.decorate === 'function' ? [options.decorate] : (options.decorate ?? []);
    const strategy = decorators.reduce<StepStrategy>((inner, decorate) => decorate(inner), pods);
    const logs: string[] = [];
    const info: string[] = [];
    const events: RunEvents = {
      stepLog: (job, step, line) => logs.push(`${job.name} | ${step.name} | ${line}`),
      jobInfo: (job, message) => info.push(`${job.name}: ${message}`),
    };
    const cancellation = new Cancellation();
    const cancelTimer = options.cancelAfterMs ? setTimeout(() => cancellation.request(), options.cancelAfterMs) : undefined;
    const actions = new ActionStore({ repoRoot, actionsUrl: options.actionsUrl ?? 'file:///nonexistent', cacheDir: join(repoRoot, '.cache'), offline: !options.actionsUrl });
    let result: RunResult;
    try {
      result = await runPlan(
        planned,
        { backend: pods, strategy, actions, events, ...(options.runtime ? { runtime: options.runtime } : {}) },
        { repoRoot, debug: options.debug ?? false, actCompat: false, contexts, secrets, jobSecrets: secrets, event, concurrentJobs: options.concurrentJobs ?? 4, containers },
        cancellation,
      );
    } finally {
      clearTimeout(cancelTimer);
    }
    const job = (name: string) => {
      const j = result.jobs.find((x) => x.name === name || x.jobId === name);
      if (!j) throw new Error(`no job ${name} in ${result.jobs.map((x) => x.name).join(', ')}`);
      return j;
    };
    const step = (jobName: string, name: string) => {
      const s = job(jobName).steps.find((x) => x.name === name || x.id === name);
      if (!s) throw new Error(`no step ${name} in ${job(jobName).steps.map((x) => x.name).join(', ')}`);
      return s;
    };
    return { result, logs, info, pods, strategy, job, step };
  } finally {
    rmSync(repoRoot, { recursive: true, force: true });
  }
}
