import { Watch, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import type { PodRef } from './pod-transport.js';

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
  const watch = new Watch(connection.config);
  let stopped = false;
  let controller: AbortController | undefined;
  let version = fromVersion;
  const restart = (err: unknown) => {
    if (stopped) return;
    if (isHttpStatus(err, 410)) version = undefined;
    setTimeout(() => void start(), err ? 200 : 0);
  };
  const start = async () => {
    if (stopped) return;
    try {
      controller = await watch.watch(
        `/api/v1/namespaces/${pod.namespace}/pods`,
        { fieldSelector: `metadata.name=${pod.name}`, allowWatchBookmarks: true, ...(version ? { resourceVersion: version } : {}) },
        (phase, obj: V1Pod) => {
          if (stopped) return;
          if (obj?.metadata?.resourceVersion) version = obj.metadata.resourceVersion;
          if (phase === 'BOOKMARK') return;
          onPod(phase === 'DELETED' ? undefined : obj);
        },
        restart,
      );
      if (stopped) controller.abort();
    } catch (err) {
      if (isHttpStatus(err, 403) || isHttpStatus(err, 404)) onError(`cannot watch pod ${pod.name}: ${messageOf(err)}`);
      else restart(err);
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
