import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { messageOf } from './connection.js';

/** The phases a watch delivers to its caller (bookmarks and errors are handled here). */
export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface RestartableWatchOptions<T> {
  /** The collection to watch, e.g. `/api/v1/namespaces/ns/pods`. */
  path: string;
  fieldSelector: string;
  /** Start from this resourceVersion; `undefined`: from the current state ("now"). */
  fromVersion?: string | undefined;
  /** Each change; never called after `stop()` nor after `onUnrecoverable`. */
  onObject: (phase: WatchPhase, object: T) => void;
  /** A failure that retrying will not heal (403 Forbidden, 404 Not Found); the watch has ended. */
  onUnrecoverable: (message: string, error: unknown) => void;
  /** Pause before reconnecting after an error (not after a plain close). Default 200 ms. */
  retryDelayMs?: number;
}

export interface RestartableWatch {
  /** Ends the watch; no callback runs after this. */
  stop(): void;
}

/**
 * A watch that outlives the server ending it: restarted from the last resourceVersion seen
 * (bookmarks included) when the server closes it, from the current state after 410 Gone (the
 * version is too old), given up with `onUnrecoverable` on 403 or 404. The 410 comes either as the
 * HTTP status or, more usually, as an ERROR event carrying a Status in an open watch.
 */
export function restartableWatch<T>(config: KubeConfig, options: RestartableWatchOptions<T>): RestartableWatch {
  const watch = new Watch(config);
  const retryDelayMs = options.retryDelayMs ?? 200;
  let stopped = false;
  let version = options.fromVersion;
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  // An ERROR event in the stream: the close that follows restarts after a pause, not at once.
  let streamError: unknown;

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  };

  /** True when the failure ends the watch. */
  const handleFailure = (error: unknown): boolean => {
    const status = httpStatusOf(error);
    if (status === 410) version = undefined;
    if (status === 403 || status === 404) {
      stop();
      options.onUnrecoverable(describe(error, status), error);
      return true;
    }
    return false;
  };

  const restart = (err: unknown) => {
    if (stopped) return;
    const failure = err ?? streamError;
    streamError = undefined;
    if (failure && handleFailure(failure)) return;
    timer = setTimeout(() => void start(), failure ? retryDelayMs : 0);
  };

  const start = async () => {
    if (stopped) return;
    try {
      const started = await watch.watch(
        options.path,
        { fieldSelector: options.fieldSelector, allowWatchBookmarks: true, ...(version ? { resourceVersion: version } : {}) },
        (phase: string, obj: { metadata?: { resourceVersion?: string } } | undefined) => {
          if (stopped) return;
          if (phase === 'ERROR') {
            streamError = obj ?? new Error('watch error');
            if (handleFailure(streamError)) streamError = undefined;
            return;
          }
          if (obj?.metadata?.resourceVersion) version = obj.metadata.resourceVersion;
          if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') options.onObject(phase, obj as T);
        },
        restart,
      );
      controller = started;
      if (stopped) started.abort();
    } catch (err) {
      restart(err ?? new Error('watch failed'));
    }
  };

  void start();
  return { stop };
}

/**
 * The HTTP status of a failed watch: `code` on an ApiException or on a Status object from an
 * ERROR event, `statusCode` on the Error the client's Watch raises for a non-200 answer.
 */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

function describe(error: unknown, status: number): string {
  const message = messageOf(error);
  return message.includes(String(status)) ? message : `${message} (HTTP ${status})`;
}
