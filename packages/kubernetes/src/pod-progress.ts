import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** Where a starting job pod stands, read from its status alone. */
export type PodProgress = { state: 'pending'; detail: string } | { state: 'running' } | { state: 'failed'; reason: string };

/**
 * Waiting reasons that will not fix themselves in time for a CI job: report them at once rather
 * than after the start timeout. (An image that is missing now is missing in ten minutes too.)
 */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

/** A pod the scheduler has no node for (yet): the watcher fails it only if that lasts. */
export function unschedulableReason(pod: V1Pod): string | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  return condition ? `pod cannot be scheduled: ${condition.message ?? 'Unschedulable'}` : undefined;
}

export function podProgress(pod: V1Pod): PodProgress {
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
  const expected = pod.spec?.containers?.length ?? 0;
  const running = (status.containerStatuses ?? []).filter((cs) => cs.state?.running).length;
  if (expected > 0 && running === expected) return { state: 'running' };
  const waiting = (status.containerStatuses ?? status.initContainerStatuses ?? []).map((cs) => cs.state?.waiting?.reason).filter(Boolean);
  return { state: 'pending', detail: `${status.phase ?? 'Pending'}${waiting.length ? ` (${[...new Set(waiting)].join(', ')})` : ''}` };
}

function containerFailure(cs: V1ContainerStatus, image: string | undefined, init: boolean): string | undefined {
  const what = `container ${cs.name} (image ${image ?? cs.image})`;
  const waiting = cs.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) return `${what}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
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
