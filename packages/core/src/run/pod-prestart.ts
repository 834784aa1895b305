import type { JobPod, JobPodRequest } from '../backend/job-backend.js';
import type { JobLeg, JobRunnerDeps, JobRunOptions } from './job-runner.js';
import { afterJob } from './job-teardown.js';
import { legContexts, legPodName, legPodRequest, runSecretsMasker } from './leg-pod.js';

/**
 * A leg's pod started while the jobs it needs still run: a pod takes a second or more to start,
 * which a chain of jobs (build → test → deploy) would otherwise pay once per job. The leg takes
 * it only if it asks for the very same pod once its needs are done (outputs of its needs in its
 * env or container make it another pod); else it is deleted, and the leg starts its own.
 */
export interface PodPrestart {
  /** The leg's request as worked out ahead, its needs' outputs empty (before the strategy's additions). */
  readonly request: JobPodRequest;
  /** What the backend was asked for: the request with the strategy's additions. */
  readonly prepared: JobPodRequest;
  readonly pod: Promise<JobPod>;
  readonly startedAt: number;
}

/** A pod idle this long is not taken (its deadline runs from its start, and it has held the node long enough). */
const MAX_IDLE_MS = 10 * 60_000;

/** Starts the leg's pod ahead, if its request can be worked out without its needs; undefined otherwise. */
export function prestartPod(deps: JobRunnerDeps, options: JobRunOptions, leg: JobLeg, signal: AbortSignal): PodPrestart | undefined {
  const image = leg.leg.runsOn?.image;
  if (!image) return undefined;
  let request: JobPodRequest;
  try {
    const evaluated = legContexts(options, leg);
    // Warnings are the leg's to give, when it asks for the pod itself.
    request = legPodRequest(options, leg, evaluated, image, legPodName(options, leg, evaluated.ref), runSecretsMasker(options), () => undefined);
  } catch {
    return undefined;
  }
  const prepared = deps.strategy.preparePod?.(request, { steps: leg.planned.job.steps.length }) ?? request;
  const pod = deps.backend.startJob(prepared, signal);
  pod.catch(() => undefined);
  return { request, prepared, pod, startedAt: Date.now() };
}

/** Whether the leg asks for the pod that was started ahead, and it has not waited too long. */
export function prestartFits(prestart: PodPrestart, request: JobPodRequest): boolean {
  return Date.now() - prestart.startedAt < MAX_IDLE_MS && JSON.stringify(prestart.request) === JSON.stringify(request);
}

/** Deletes a pod started ahead that no leg takes, once its start has settled (a failed start cleaned up after itself). */
export function discardPrestart(deps: JobRunnerDeps, prestart: PodPrestart): Promise<void> {
  return afterJob(
    deps,
    prestart.pod.then(
      (pod) => deps.backend.stopJob(pod),
      () => undefined,
    ),
  );
}
