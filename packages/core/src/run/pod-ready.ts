import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Value } from '@kact/expressions';
import type { JobBackend, JobPod } from '../backend/job-backend.js';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { StepStrategy } from '../backend/step-strategy.js';
import { workspaceExcludes } from '../workspace/workspace-files.js';
import { probeContainer, type ContainerShell } from './probe.js';

/** What the job's pod receives first, prepared on this machine while the pod starts: which files of the working tree to leave out, and the event payload. */
export interface StagedWorkspace {
  exclude: (relativePath: string) => boolean;
  /** A temporary folder holding `event.json`; removed by `unstageWorkspace` when the job ends. */
  eventDir: string;
}

export async function stageWorkspace(repoRoot: string, event: Value | undefined): Promise<StagedWorkspace> {
  const [exclude, eventDir] = await Promise.all([workspaceExcludes(repoRoot), mkdtemp(join(tmpdir(), 'kact-event-'))]);
  await writeFile(join(eventDir, 'event.json'), JSON.stringify(event ?? {}, null, 2));
  return { exclude, eventDir };
}

/** Removes what `stageWorkspace` left on this machine, whenever it settles; never fails. */
export function unstageWorkspace(staged: Promise<StagedWorkspace> | undefined): void {
  void staged?.then((s) => rm(s.eventDir, { recursive: true, force: true })).catch(() => undefined);
}

/**
 * Makes a started pod ready for steps: copies the working tree (minus .gitignore'd files) and
 * the event payload in, and probes the main container's shell. In parallel: they are independent
 * round-trips to the pod, and they add up to the job's start.
 */
export async function readyPod(backend: JobBackend, strategy: StepStrategy, pod: JobPod, repoRoot: string, staged: Promise<StagedWorkspace>, signal: AbortSignal): Promise<ContainerShell | undefined> {
  const populated = staged.then(({ exclude, eventDir }) =>
    Promise.all([backend.copyIn(pod, repoRoot, POD_PATHS.workspace, { exclude }), backend.copyIn(pod, eventDir, `${POD_PATHS.temp}/_github_workflow`)]),
  );
  const [, shell] = await Promise.all([populated, probeContainer(strategy, pod, signal)]);
  return shell;
}
