import { Watch, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import type { KubeConnection } from './connection.js';
import type { PodRef } from './pod-transport.js';
import { restartableWatch } from './restartable-watch.js';

export interface PodUpdates {
  /** Ends the watch; no callback runs after this. */
  stop(): void;
}

/**
 * Watches one pod from a resourceVersion on: `onPod` gets each new state of it, `undefined` when
 * it is deleted. A watch the server ends is restarted from the last version seen (from the
 * current state after 410 Gone); `onError` gets failures that will not heal (403, 404).
 */
export function watchPod(connection: KubeConnection, pod: PodRef, fromVersion: string | undefined, onPod: (pod: V1Pod | undefined) => void, onError: (message: string) => void): PodUpdates {
  return restartableWatch<V1Pod>(connection.config, {
    path: `/api/v1/namespaces/${pod.namespace}/pods`,
    fieldSelector: `metadata.name=${pod.name}`,
    fromVersion,
    onObject: (phase, obj) => onPod(phase === 'DELETED' ? undefined : obj),
    onUnrecoverable: (message) => onError(`cannot watch pod ${pod.name}: ${message}`),
  });
}

/**
 * Watches the events of one pod (from their current state on): a pull failure shows up here
 * well before the kubelet's next status update says so.
 */
export function watchPodEvents(connection: KubeConnection, pod: PodRef, onEvent: (event: CoreV1Event) => void): PodUpdates {
  const watch = new Watch(connection.config);
  let stopped = false;
  let controller: AbortController | undefined;
  const start = async () => {
    if (stopped) return;
    try {
      controller = await watch.watch(
        `/api/v1/namespaces/${pod.namespace}/events`,
        { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.name}` },
        (phase, obj: CoreV1Event) => !stopped && phase !== 'BOOKMARK' && phase !== 'DELETED' && onEvent(obj),
        () => !stopped && setTimeout(() => void start(), 200),
      );
      if (stopped) controller.abort();
    } catch {
      // Events only make failures faster to see; the pod watch still catches them.
    }
  };
  void start();
  return {
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
