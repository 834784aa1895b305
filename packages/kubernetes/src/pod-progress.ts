import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { BACKGROUND_CONTAINERS } from './pod-builder.js';

/** Where a starting job pod stands, read from its status alone. */
export type PodProgress =
  /** `recheckAt`: the progress may change then without a new status (a health check's budget runs out). */
  | { state: 'pending'; detail: string; recheckAt?: number }
  | { state: 'running' }
  | { state: 'failed'; reason: string };

/**
 * Waiting reasons that will not fix themselves in time for a CI job: report them at once rather
 * than after the start timeout. (An image that is missing now is missing in ten minutes too.)
 */
export const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

/**
 * A busy kubelet's watch has not yet seen a Secret or ConfigMap created just before the container
 * ("failed to sync secret cache: timed out waiting for the condition"; one that does not exist
 * reads "not found"): the kubelet tries again by itself.
 */
export const CACHE_NOT_SYNCED = /failed to sync (secret|configmap) cache/i;

/**
 * A fatal reason's messages the kubelet gets past on its next try: two pods that mount folders of
 * one claim (`<run>/<pod>`) create the shared parent at once, and the loser's mkdir fails; and
 * CACHE_NOT_SYNCED. The pod's start timeout still bounds the wait.
 */
const RETRIED = new RegExp(`failed to create subPath directory|${CACHE_NOT_SYNCED.source}`, 'i');

/** A pod the scheduler has no node for (yet): the watcher fails it only if that lasts. */
export function unschedulableReason(pod: V1Pod): string | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  return condition ? `pod cannot be scheduled: ${condition.message ?? 'Unschedulable'}` : undefined;
}

export function podProgress(pod: V1Pod, now = Date.now()): PodProgress {
  const status = pod.status ?? {};
  const images = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c.image ?? '?']));

  for (const cs of status.initContainerStatuses ?? []) {
    const failure = containerFailure(cs, images.get(cs.name), true);
    if (failure) return { state: 'failed', reason: failure };
  }
  for (const cs of status.containerStatuses ?? []) {
    const failure = containerFailure(cs, images.get(cs.name), false);
    if (failure) return { state: 'failed', reason: failure };
  }
  if (status.phase === 'Failed' || status.phase === 'Succeeded') {
    return { state: 'failed', reason: `pod ${status.phase.toLowerCase()}: ${status.reason ?? ''} ${status.message ?? ''}`.trim() };
  }
  const background = new Set(pod.metadata?.annotations?.[BACKGROUND_CONTAINERS]?.split(',') ?? []);
  const awaited = (pod.spec?.containers ?? []).filter((c) => !background.has(c.name)).map((c) => c.name);
  const running = new Set((status.containerStatuses ?? []).filter((cs) => cs.state?.running).map((cs) => cs.name));
  if (awaited.length > 0 && awaited.every((name) => running.has(name))) return healthProgress(pod, now);
  const waiting = (status.containerStatuses ?? status.initContainerStatuses ?? []).map((cs) => cs.state?.waiting?.reason).filter(Boolean);
  return { state: 'pending', detail: `${status.phase ?? 'Pending'}${waiting.length ? ` (${[...new Set(waiting)].join(', ')})` : ''}` };
}

/** Slack for the kubelet's clock and its first probe, on top of a health check's own budget. */
const HEALTH_SLACK_MS = 2000;

/** Every container runs: started once those with a health check (a readiness probe) have passed it. */
function healthProgress(pod: V1Pod, now: number): PodProgress {
  const waiting: string[] = [];
  let recheckAt: number | undefined;
  for (const container of pod.spec?.containers ?? []) {
    const probe = container.readinessProbe;
    const status = pod.status?.containerStatuses?.find((cs) => cs.name === container.name);
    if (!probe || status?.ready) continue;
    const budgetSeconds = (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10) + (probe.timeoutSeconds ?? 1);
    const started = status?.state?.running?.startedAt ? new Date(status.state.running.startedAt).getTime() : now;
    const deadline = started + budgetSeconds * 1000 + HEALTH_SLACK_MS;
    if (now >= deadline) {
      const command = probe.exec?.command?.at(-1) ?? '';
      return { state: 'failed', reason: `container ${container.name} (image ${container.image}) is unhealthy: its health check (${JSON.stringify(command)}) did not pass within ${budgetSeconds} s` };
    }
    waiting.push(container.name);
    recheckAt = Math.min(recheckAt ?? deadline, deadline);
  }
  if (!waiting.length) return { state: 'running' };
  return { state: 'pending', detail: `waiting for the health check of ${waiting.join(', ')}`, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

function containerFailure(cs: V1ContainerStatus, image: string | undefined, init: boolean): string | undefined {
  const what = `container ${cs.name} (image ${image ?? cs.image})`;
  const waiting = cs.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason) && !RETRIED.test(waiting.message ?? '')) return `${what}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  const terminated = cs.state?.terminated;
  if (terminated && !(init && terminated.exitCode === 0)) {
    const why = terminated.reason === 'OOMKilled' ? 'OOMKilled (out of memory)' : (terminated.reason ?? 'terminated');
    return `${what} exited with code ${terminated.exitCode}: ${why}${terminated.message ? `: ${terminated.message}` : ''}`;
  }
  return undefined;
}

/** Events that mean the pod will not start; other events only explain a slow start. */
// FailedScheduling is left to the PodScheduled condition, which the watcher gives a short grace.
const FATAL_EVENTS = new Set(['FailedCreatePodSandBox', 'InspectFailed', 'ErrImageNeverPull']);

export function eventFailure(event: CoreV1Event, pod: V1Pod): string | undefined {
  if (event.type !== 'Warning' || !event.reason) return undefined;
  const fatal =
    FATAL_EVENTS.has(event.reason) ||
    // Pull failures show up as events before the container status says so.
    (event.reason === 'Failed' && /ErrImagePull|ErrImageNeverPull|InvalidImageName|not found|pull access denied/i.test(event.message ?? ''));
  if (!fatal) return undefined;
  // fieldPath is `spec.containers{name}` / `spec.initContainers{name}`: name the container and its image.
  const name = /\{([^}]+)\}/.exec(event.involvedObject?.fieldPath ?? '')?.[1];
  const container = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
  const what = container ? `container ${container.name} (image ${container.image}): ` : '';
  return `${what}${event.reason}: ${event.message ?? ''}`.trim();
}
