import type { JobPod, JobPodRequest } from '../backend/job-backend.js';
import type { JobLeg, JobRunnerDeps, JobRunOptions } from './job-runner.js';
import { afterJob } from './job-teardown.js';
import { readyPod, stageWorkspace, unstageWorkspace, type StagedWorkspace } from './pod-ready.js';
import type { ContainerShell } from './probe.js';
import { legContexts, legPodName, legPodRequest, runSecretsMasker, type LegContexts } from './leg-pod.js';

/**
 * A leg's pod started before the leg can run: while the jobs it needs still run, or while it
 * waits for one of the run's slots (--concurrent-jobs). A pod takes a second or more to start,
 * which a chain of jobs (build → test → deploy) or a matrix wider than the slots would otherwise
 * pay once per job or per wave of legs. The leg takes it only if it asks for the very same pod
 * when it runs (outputs of its needs in its env or container make it another pod); else it is
 * deleted, and the leg starts its own.
 */
export interface PodPrestart {
  /** The leg's request as worked out ahead, its needs' outputs empty (before the strategy's additions). */
  readonly request: JobPodRequest;
  /** What the backend was asked for: the request with the strategy's additions. */
  readonly prepared: JobPodRequest;
  readonly pod: Promise<JobPod>;
  /** The working tree and event payload for it, staged on this machine. */
  readonly staged: Promise<StagedWorkspace>;
  /** The pod made ready for steps once started (pod-ready.ts): so a leg that takes it starts its first step at once. */
  readonly ready: Promise<ContainerShell | undefined>;
  readonly startedAt: number;
}

/** A pod idle this long is not taken: it has held the node long enough. */
const MAX_IDLE_MS = 10 * 60_000;

/** Starts the leg's pod ahead, if its request can be worked out now (a needs-job's with its needs' outputs empty); undefined otherwise. */
export function prestartPod(deps: JobRunnerDeps, options: JobRunOptions, leg: JobLeg, signal: AbortSignal): PodPrestart | undefined {
  const image = leg.leg.runsOn?.image;
  if (!image) return undefined;
  let request: JobPodRequest;
  let evaluated: LegContexts;
  try {
    evaluated = legContexts(options, leg);
    // Warnings are the leg's to give, when it asks for the pod itself.
    request = legPodRequest(options, leg, evaluated, image, legPodName(options, leg, evaluated.ref), runSecretsMasker(options), () => undefined);
  } catch {
    return undefined;
  }
  const forPod = deps.strategy.preparePod?.(request, { steps: leg.planned.job.steps.length }) ?? request;
  // The pod's deadline runs from its start: the time it may sit idle is added, so the leg that takes it still has its whole timeout.
  const prepared = { ...forPod, timeoutMs: (forPod.timeoutMs ?? evaluated.timeoutMs) + MAX_IDLE_MS };
  const pod = deps.backend.startJob(prepared, signal);
  const staged = stageWorkspace(options.repoRoot, evaluated.github.event);
  const ready = pod.then((started) => readyPod(deps.backend, deps.strategy, started, options.repoRoot, staged, signal));
  for (const settling of [pod, staged, ready]) settling.catch(() => undefined);
  return { request, prepared, pod, staged, ready, startedAt: Date.now() };
}

/** Whether the leg asks for the pod that was started ahead, and it has not waited too long. */
export function prestartFits(prestart: PodPrestart, request: JobPodRequest): boolean {
  return Date.now() - prestart.startedAt < MAX_IDLE_MS && JSON.stringify(prestart.request) === JSON.stringify(request);
}

/** Deletes a pod started ahead that no leg takes, once its start has settled (a failed start cleaned up after itself). */
export function discardPrestart(deps: JobRunnerDeps, prestart: PodPrestart): Promise<void> {
  unstageWorkspace(prestart.staged);
  return afterJob(
    deps,
    prestart.pod.then(
      (pod) => deps.backend.stopJob(pod),
      () => undefined,
    ),
  );
}
