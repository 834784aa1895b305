import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { KubeConnection } from './connection.js';
import { eventFailure, podProgress, unschedulableReason } from './pod-progress.js';
import { restartableWatch, type RestartableWatch, type WatchPhase } from './restartable-watch.js';

export class PodStartError extends Error {
  override name = 'PodStartError';
}

export interface WaitOptions {
  signal: AbortSignal;
  /** Give up after this long (images are expected to be present; pulls may take a while). */
  timeoutMs?: number;
  /** How long the scheduler may find no node before the start fails (nodes may still be coming up). */
  unschedulableGraceMs?: number;
}

/**
 * Watches a just-created pod (and its events) until every container runs. Rejects with the
 * reason as soon as the status or an event says the pod will not start. No polling: one watch on
 * the pod, one on its events, restarted from the last resourceVersion if the server ends them.
 */
export function waitForPodRunning(connection: KubeConnection, created: V1Pod, options: WaitOptions): Promise<V1Pod> {
  const name = created.metadata!.name!;
  const namespace = connection.namespace;
  const watches: RestartableWatch[] = [];
  let lastEvent = '';
  let unschedulableSince: number | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let recheckTimer: NodeJS.Timeout | undefined;

  return new Promise<V1Pod>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, pod?: V1Pod) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(recheckTimer);
      options.signal.removeEventListener('abort', onAbort);
      for (const w of watches) w.stop();
      if (error) reject(error);
      else resolve(pod!);
    };
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timer = setTimeout(
      () => finish(new PodStartError(`pod ${name} did not start within ${Math.round(timeoutMs / 1000)} s${lastEvent ? `; last event: ${lastEvent}` : ''}`)),
      timeoutMs,
    );
    const onAbort = () => finish(new PodStartError(`start of pod ${name} cancelled`));
    options.signal.addEventListener('abort', onAbort);
    if (options.signal.aborted) return onAbort();

    const onPod = (pod: V1Pod) => {
      clearTimeout(recheckTimer);
      const progress = podProgress(pod);
      if (progress.state === 'running') return finish(undefined, pod);
      if (progress.state === 'failed') return finish(new PodStartError(progress.reason));
      // A health check that never passes changes no status: look again when its budget is spent.
      if (progress.recheckAt !== undefined) recheckTimer = setTimeout(() => !settled && onPod(pod), Math.max(0, progress.recheckAt - Date.now()) + 10);
      const unschedulable = unschedulableReason(pod);
      if (!unschedulable) {
        unschedulableSince = undefined;
        clearTimeout(graceTimer);
      } else if (unschedulableSince === undefined) {
        unschedulableSince = Date.now();
        graceTimer = setTimeout(() => finish(new PodStartError(unschedulable)), options.unschedulableGraceMs ?? 5000);
      }
    };

    const follow = (path: string, fieldSelector: string, fromVersion: string | undefined, onObject: (phase: WatchPhase, obj: unknown) => void): void => {
      if (settled) return;
      watches.push(
        restartableWatch<unknown>(connection.config, {
          path,
          fieldSelector,
          fromVersion,
          onObject: (phase, obj) => !settled && onObject(phase, obj),
          onUnrecoverable: (message) => finish(new PodStartError(`cannot watch pod ${name}: ${message}`)),
        }),
      );
    };

    follow(`/api/v1/namespaces/${namespace}/pods`, `metadata.name=${name}`, created.metadata?.resourceVersion, (phase, obj) => {
      if (phase === 'DELETED') return finish(new PodStartError(`pod ${name} was deleted while starting`));
      onPod(obj as V1Pod);
    });
    follow(`/api/v1/namespaces/${namespace}/events`, `involvedObject.kind=Pod,involvedObject.name=${name}`, undefined, (_phase, obj) => {
      const event = obj as CoreV1Event;
      if (event.involvedObject?.uid && created.metadata?.uid && event.involvedObject.uid !== created.metadata.uid) return;
      lastEvent = `${event.reason ?? ''}: ${event.message ?? ''}`;
      const failure = eventFailure(event, created);
      if (failure) finish(new PodStartError(failure));
    });
    onPod(created);
  });
}
