import { Watch, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import { eventFailure, podProgress, unschedulableReason } from './pod-progress.js';

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
  const watch = new Watch(connection.config);
  const controllers: AbortController[] = [];
  let lastEvent = '';
  let unschedulableSince: number | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  return new Promise<V1Pod>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, pod?: V1Pod) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal.removeEventListener('abort', onAbort);
      for (const c of controllers) c.abort();
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
      const progress = podProgress(pod);
      if (progress.state === 'running') return finish(undefined, pod);
      if (progress.state === 'failed') return finish(new PodStartError(progress.reason));
      const unschedulable = unschedulableReason(pod);
      if (!unschedulable) {
        unschedulableSince = undefined;
        clearTimeout(graceTimer);
      } else if (unschedulableSince === undefined) {
        unschedulableSince = Date.now();
        graceTimer = setTimeout(() => finish(new PodStartError(unschedulable)), options.unschedulableGraceMs ?? 5000);
      }
    };

    const follow = async (path: string, fieldSelector: string, resourceVersion: string | undefined, onObject: (obj: unknown, phase: string) => void): Promise<void> => {
      let version = resourceVersion;
      const restart = (err: unknown) => {
        if (settled) return;
        // 410 Gone: our resourceVersion is too old; start over from the current state.
        if (isHttpStatus(err, 410)) version = undefined;
        setTimeout(() => void start(), err ? 200 : 0);
      };
      const start = async () => {
        if (settled) return;
        try {
          const controller = await watch.watch(
            path,
            { fieldSelector, allowWatchBookmarks: true, ...(version ? { resourceVersion: version } : {}) },
            (phase, obj: { metadata?: { resourceVersion?: string } }) => {
              if (obj?.metadata?.resourceVersion) version = obj.metadata.resourceVersion;
              if (phase !== 'BOOKMARK') onObject(obj, phase);
            },
            restart,
          );
          controllers.push(controller);
          if (settled) controller.abort();
        } catch (err) {
          if (isHttpStatus(err, 404) || isHttpStatus(err, 403)) return finish(new PodStartError(`cannot watch pod ${name}: ${messageOf(err)}`));
          restart(err);
        }
      };
      await start();
    };

    void follow(`/api/v1/namespaces/${namespace}/pods`, `metadata.name=${name}`, created.metadata?.resourceVersion, (obj, phase) => {
      if (phase === 'DELETED') return finish(new PodStartError(`pod ${name} was deleted while starting`));
      onPod(obj as V1Pod);
    });
    void follow(`/api/v1/namespaces/${namespace}/events`, `involvedObject.kind=Pod,involvedObject.name=${name}`, undefined, (obj) => {
      const event = obj as CoreV1Event;
      if (event.involvedObject?.uid && created.metadata?.uid && event.involvedObject.uid !== created.metadata.uid) return;
      lastEvent = `${event.reason ?? ''}: ${event.message ?? ''}`;
      const failure = eventFailure(event, created);
      if (failure) finish(new PodStartError(failure));
    });
    onPod(created);
  });
}
