import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadWorkflows } from '@kact/model';
import { ActionStore, Cancellation, githubContext, plan, runPlan, type ContainerSelection, type RunEvents, type RunResult } from '../src/index.js';
import { LocalPods } from './local-pod.js';

export interface Ran {
  result: RunResult;
  /** `job name | step name | line` for every log line. */
  logs: string[];
  info: string[];
  pods: LocalPods;
  job(name: string): RunResult['jobs'][number];
  step(job: string, name: string): RunResult['jobs'][number]['steps'][number];
}

/** Writes a repository, plans its workflows for `push` and runs them on local "pods". */
export async function runWorkflow(
  files: Record<string, string>,
  options: { secrets?: Record<string, string>; cancelAfterMs?: number; event?: string; debug?: boolean; actionsUrl?: string; pods?: LocalPods } = {},
): Promise<Ran> {
  const repoRoot = mkdtempSync(join(tmpdir(), 'kact-repo-'));
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
  const logs: string[] = [];
  const info: string[] = [];
  const events: RunEvents = {
    stepLog: (job, step, line) => logs.push(`${job.name} | ${step.name} | ${line}`),
    jobInfo: (job, message) => info.push(`${job.name}: ${message}`),
  };
  const cancellation = new Cancellation();
  if (options.cancelAfterMs) setTimeout(() => cancellation.request(), options.cancelAfterMs);
  const actions = new ActionStore({ repoRoot, actionsUrl: options.actionsUrl ?? 'file:///nonexistent', cacheDir: join(repoRoot, '.cache'), offline: !options.actionsUrl });
  const result = await runPlan(
    planned,
    { backend: pods, strategy: pods, actions, events },
    { repoRoot, debug: options.debug ?? false, actCompat: false, contexts, secrets, jobSecrets: secrets, event, concurrentJobs: 4, containers },
    cancellation,
  );
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
  return { result, logs, info, pods, job, step };
}
