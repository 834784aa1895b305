import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { parseContainerOptions, type ContainerOptions, type JobPodRequest, type PodPlacement } from '@kact/core';

/** Requests and limits of a container: the runner class's (main container only), then `--memory` / `--cpus`. */
export function containerResources(base: PodPlacement['resources'], options: ContainerOptions): V1ResourceRequirements | undefined {
  const limits = { ...base?.limits, ...(options.memory ? { memory: options.memory } : {}), ...(options.cpu ? { cpu: options.cpu } : {}) };
  if (!base?.requests && Object.keys(limits).length === 0) return undefined;
  return { ...(base?.requests ? { requests: base.requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
}

/** The job container's requests and limits: the runner class's, then `--memory` / `--cpus` of `container.options`. */
export function jobContainerResources(request: Pick<JobPodRequest, 'main' | 'placement'>): V1ResourceRequirements | undefined {
  return containerResources(request.placement?.resources, parseContainerOptions(request.main.options));
}

/**
 * The limits a container that runs steps beside the job container shares with it. Not extended
 * resources (`nvidia.com/gpu`) nor hugepages: Kubernetes wants their requests equal to their
 * limits and never overcommits them, so every slot would hold a device of its own.
 */
export const SHARED_STEP_LIMITS: readonly string[] = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * What a container that runs steps beside the job container (a step slot) gets: the job
 * container's cpu, memory and ephemeral-storage limits, so a step is held to what the workflow
 * set wherever it runs, and a request of 0 for each (without one Kubernetes would request the
 * limit again, once per slot). The job runs one step at a time: the job container's requests
 * stand for the whole job, and the scheduler counts them once.
 */
export function stepContainerResources(job: V1ResourceRequirements | undefined): V1ResourceRequirements | undefined {
  const limits: Record<string, string> = {};
  for (const [name, value] of Object.entries(job?.limits ?? {})) if (SHARED_STEP_LIMITS.includes(name)) limits[name] = String(value);
  const names = Object.keys(limits);
  if (names.length === 0) return undefined;
  return { requests: Object.fromEntries(names.map((name) => [name, '0'])), limits };
}

/** A job runs at most this long when it sets no timeout-minutes (GitHub's default: 360 minutes). */
export const DEFAULT_JOB_TIMEOUT_MS = 360 * 60_000;

/**
 * How long past the job's timeout its pods may run before the kubelet ends them
 * (`activeDeadlineSeconds`): the 5 minutes GitHub gives a cancelled job for its `always()` and
 * post steps before it kills the job (the runner's cancel timeout). kact's own timer starts
 * before the pod is even created and ends the job at its timeout, then runs those steps and
 * deletes the pod; the deadline only ends a pod whose kact is gone (SIGKILL, a lost machine).
 */
export const POD_DEADLINE_MARGIN_SECONDS = 300;

/** `activeDeadlineSeconds` for the pods of a job with this timeout (JobPodRequest.timeoutMs). */
export function podDeadlineSeconds(timeoutMs: number | undefined): number {
  return Math.ceil((timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS) / 1000) + POD_DEADLINE_MARGIN_SECONDS;
}
