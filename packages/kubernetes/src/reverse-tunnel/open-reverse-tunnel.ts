import type { V1Pod } from '@kubernetes/client-node';
import type { KubeConnection } from '../connection.js';
import { isHttpStatus, messageOf } from '../connection.js';
import { DEFAULT_TOOLS_IMAGE } from '../kubernetes-job-backend.js';
import { waitForPodRunning } from '../pod-watch.js';
import { openPortForward } from './port-forward.js';
import { buildRelayPod, RELAY_CONTAINER, RELAY_DEADLINE_SECONDS } from './relay-pod.js';
import { TunnelPool, type TunnelStats, type TunnelTarget } from './tunnel-pool.js';

export interface ReverseTunnelOptions {
  /** The run the relay belongs to: its `kact.dev/run-id` label (what `kact gc` goes by) and default name. */
  runId: string;
  /** The relay pod's name; default `kact-<runId>-tunnel`. */
  name?: string;
  /** Default: the connection's namespace. */
  namespace?: string;
  /** More labels for the relay pod; `kact.dev/run-id` and `app.kubernetes.io/managed-by: kact` are always set. */
  labels?: Record<string, string>;
  /** What the tunnel reaches: a TCP server on this machine (kact's own, on 127.0.0.1). */
  target: TunnelTarget;
  /** The relay's image: it needs `node` (16.17+) on the PATH. Default DEFAULT_TOOLS_IMAGE. */
  image?: string;
  /** Aborting cancels the start, or closes an open tunnel. */
  signal?: AbortSignal;
  /** Idle back connections kept open, ready for job pods' connections (default 4). */
  poolSize?: number;
  /** The port job pods connect to on the relay pod's IP (default 8080). */
  port?: number;
  /** How long the relay pod may take to become Ready, image pull included (default 120 s). */
  startTimeoutMs?: number;
  /** How long a job pod's connection may wait on the relay for a free back connection before it is closed (default 10 s). */
  connectionWaitMs?: number;
  /** Websocket ping and keepalive period of back connections (default 10 s). */
  heartbeatMs?: number;
  /**
   * How long the relay pod may run at most (`activeDeadlineSeconds`), so a relay whose kact was
   * killed does not run forever: longer than the run it serves may take, since the tunnel ends
   * with it. Default RELAY_DEADLINE_SECONDS (a day).
   */
  deadlineSeconds?: number;
  /** Trouble that does not end the tunnel: the port-forward failing for a while, and recovering. */
  warn?: (message: string) => void;
}

export interface ReverseTunnel {
  /** What job pods use: `http://<relay pod IP>:<port>/`. */
  url: string;
  /** The relay pod. */
  podName: string;
  namespace: string;
  stats(): TunnelStats;
  /** Ends every tunnelled connection and deletes the relay pod (grace 0); resolves once it is gone. Idempotent. */
  close(): Promise<void>;
}

/** The relay pod could not be created or did not start; nothing of it is left. */
export class ReverseTunnelError extends Error {
  override name = 'ReverseTunnelError';
}

const BACK_PORT = 8081;
const HEALTH_PORT = 8082;
/** After the pod is Ready: how long the first connection through the port-forward may take. */
const FIRST_CONNECTION_MS = 20_000;
const DELETE_WAIT_MS = 30_000;

/**
 * A way for job pods to reach a TCP server on this machine (kact's own, on 127.0.0.1), on any
 * cluster, also one whose pods cannot route to this machine: a relay pod that job pods connect to,
 * and connections from kact into that pod through the API server's port-forward (`pods/portforward`,
 * which kact's credentials must allow), paired by the relay. See relay-script.ts for the relay
 * and tunnel-pool.ts for kact's end.
 *
 * Plain TCP: the tunnel adds no access control of its own. Anything that can reach the relay pod's
 * IP reaches the target, so the target must authenticate every request itself (kact's artifact and
 * cache server checks the run's token on each one).
 *
 * Resolves once the relay pod is Ready and a first connection through the port-forward has reached
 * it. A relay that cannot start (a missing image, no node for it) rejects with one message naming
 * the pod and the image, after deleting the pod.
 */
export async function openReverseTunnel(connection: KubeConnection, options: ReverseTunnelOptions): Promise<ReverseTunnel> {
  const namespace = options.namespace ?? connection.namespace;
  const conn: KubeConnection = namespace === connection.namespace ? connection : { ...connection, namespace };
  const name = options.name ?? relayPodName(options.runId);
  const image = options.image ?? DEFAULT_TOOLS_IMAGE;
  const port = options.port ?? 8080;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const warn = options.warn ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const deadlineSeconds = options.deadlineSeconds ?? RELAY_DEADLINE_SECONDS;
  if (!Number.isInteger(deadlineSeconds) || deadlineSeconds <= 0) throw new ReverseTunnelError(`the relay pod's deadline must be a positive whole number of seconds, got ${deadlineSeconds}`);
  const body = buildRelayPod({
    name,
    namespace,
    runId: options.runId,
    labels: options.labels ?? {},
    image,
    frontPort: port,
    backPort: BACK_PORT,
    healthPort: HEALTH_PORT,
    waitMs: options.connectionWaitMs ?? 10_000,
    idleMs: heartbeatMs * 3,
    deadlineSeconds,
  });
  const what = `reverse tunnel relay pod ${name} (image ${image})`;
  const ref = { name, namespace };

  let created: V1Pod;
  try {
    if (signal.aborted) throw new Error('cancelled');
    created = await conn.core.createNamespacedPod({ namespace, body });
  } catch (error) {
    throw new ReverseTunnelError(`${what} could not be created: ${messageOf(error)}`);
  }
  let pool: TunnelPool | undefined;
  try {
    const running = await waitForPodRunning(conn, created, { signal, timeoutMs: options.startTimeoutMs ?? 120_000 });
    const ip = running.status?.podIP;
    if (!ip) throw new Error('the pod is Ready but has no IP');
    pool = new TunnelPool({
      dial: (dialSignal) => openPortForward(conn, ref, BACK_PORT, { heartbeatMs, handshakeTimeoutMs: 15_000, signal: dialSignal }),
      target: options.target,
      poolSize: options.poolSize ?? 4,
      pingMs: heartbeatMs,
      helloTimeoutMs: 15_000,
      warn: (message) => warn(`${name}: ${message}`),
    });
    await untilAborted(pool.ready(FIRST_CONNECTION_MS), signal);
    return openTunnel(conn, ref, pool, `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`, signal, warn);
  } catch (error) {
    pool?.close();
    await deletePod(conn, ref).catch(() => undefined);
    const reason = messageOf(error).replace(`container ${RELAY_CONTAINER} (image ${image}): `, '');
    throw new ReverseTunnelError(`${what} did not start: ${reason}`);
  }
}

/** The relay pod's default name: `kact-<runId>-tunnel`, as a valid pod name. */
export function relayPodName(runId: string): string {
  const id = runId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - 'kact--tunnel'.length);
  return `kact-${id}-tunnel`;
}

function openTunnel(conn: KubeConnection, ref: { name: string; namespace: string }, pool: TunnelPool, url: string, signal: AbortSignal, warn: (message: string) => void): ReverseTunnel {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      signal.removeEventListener('abort', onAbort);
      pool.close();
      await deletePod(conn, ref);
    })();
    return closing;
  };
  const onAbort = () => void close().catch((error: unknown) => warn(`${ref.name}: deleting the relay pod failed: ${messageOf(error)}`));
  signal.addEventListener('abort', onAbort);
  if (signal.aborted) onAbort();
  return { url, podName: ref.name, namespace: ref.namespace, stats: () => pool.stats(), close };
}

/** Deletes the pod (grace 0) and waits until the API no longer has it. */
async function deletePod(conn: KubeConnection, ref: { name: string; namespace: string }): Promise<void> {
  try {
    await conn.core.deleteNamespacedPod({ ...ref, gracePeriodSeconds: 0 });
  } catch (error) {
    if (isHttpStatus(error, 404)) return;
    throw error;
  }
  const deadline = Date.now() + DELETE_WAIT_MS;
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      await conn.core.readNamespacedPod(ref);
    } catch (error) {
      if (isHttpStatus(error, 404)) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`relay pod ${ref.name} still exists ${DELETE_WAIT_MS / 1000} s after its deletion`);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('cancelled'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
