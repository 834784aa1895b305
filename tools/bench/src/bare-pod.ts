import { DEFAULT_RUNNER_IMAGE } from '@kact/containers-platforms';
import { isHttpStatus, KubeExecTransport, LABELS, labelValue, messageOf, watchPod, type KubeConnection, type PodRef, type PodUpdates } from '@kact/kubernetes';
import type { BaselineResult } from './baselines.js';

export interface BarePodOptions {
  runId: string;
  /** Pods started, measured and deleted one after another. */
  count: number;
  image?: string;
  signal?: AbortSignal;
  /** Give up on a pod that is not Running by then. */
  startTimeoutMs?: number;
}

// The client's V1Pod, named through the API kact's connection carries: the bench takes the
// Kubernetes client from @kact/kubernetes rather than depending on it a second time.
type PodBody = Parameters<KubeConnection['core']['createNamespacedPod']>[0]['body'];

export const BARE_CONTAINER = 'runner';

/** `kact gc` finds what a crashed bench left by these labels: kact's, under the bench's run id. */
export function barePodLabels(runId: string, name: string): Record<string, string> {
  return { [LABELS.managedBy]: 'kact', [LABELS.runId]: labelValue(runId), [LABELS.job]: 'bench-bare-pod', [LABELS.pod]: labelValue(name) };
}

/**
 * What any client would create to run something in the runner image: one container that waits,
 * with the settings of kact's job pods that make a pod start faster or end sooner (no service
 * links, no token, a short grace period), and none of kact's (no tools container, volumes, env
 * objects). The deadline ends it should the bench die and nobody run `kact gc`.
 */
export function barePod(name: string, runId: string, image: string = DEFAULT_RUNNER_IMAGE): PodBody {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: barePodLabels(runId, name) },
    spec: {
      restartPolicy: 'Never',
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      activeDeadlineSeconds: 600,
      containers: [{ name: BARE_CONTAINER, image, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'] }],
    },
  };
}

/** Waiting reasons after which the container will not start by itself. */
const WILL_NOT_START = /^(ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError|CrashLoopBackOff)$/;

/** A watched pod's latest state; undefined once deleted. */
type PodState = Parameters<Parameters<typeof watchPod>[3]>[0];

/** `running`, `waiting` or why it will never run: from the pod's phase and its one container. */
export function barePodState(pod: PodState): { state: 'running' | 'waiting' } | { state: 'failed'; reason: string } {
  if (!pod) return { state: 'failed', reason: 'deleted before it ran' };
  const phase = pod.status?.phase;
  if (phase === 'Running') return { state: 'running' };
  if (phase === 'Failed' || phase === 'Succeeded') return { state: 'failed', reason: `${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ''}` };
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason && WILL_NOT_START.test(waiting.reason)) return { state: 'failed', reason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  return { state: 'waiting' };
}

/** Resolves once the pod is Running: a watch from the version its creation returned, no polling. */
function untilRunning(connection: KubeConnection, pod: PodRef, fromVersion: string | undefined, signal: AbortSignal, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let updates: PodUpdates | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      updates?.stop();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`bare pod ${pod.name} not Running within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const onAbort = () => finish(new Error(`bare pod ${pod.name}: cancelled`));
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) return onAbort();
    updates = watchPod(
      connection,
      pod,
      fromVersion,
      (state) => {
        const now = barePodState(state);
        if (now.state === 'running') finish();
        else if (now.state === 'failed') finish(new Error(`bare pod ${pod.name}: ${now.reason}`));
      },
      (message) => finish(new Error(message)),
    );
    if (settled) updates.stop();
  });
}

async function deletePod(connection: KubeConnection, name: string): Promise<void> {
  await connection.core.deleteNamespacedPod({ name, namespace: connection.namespace, gracePeriodSeconds: 0 }).catch((error: unknown) => {
    if (!isHttpStatus(error, 404)) throw error;
  });
}

/** Deletes every bare pod of the run still there: one whose creation answer was lost is found by its labels. */
async function deleteLeftovers(connection: KubeConnection, runId: string): Promise<void> {
  const pods = await connection.core.listNamespacedPod({ namespace: connection.namespace, labelSelector: `${LABELS.runId}=${labelValue(runId)}` });
  await Promise.all(pods.items.map((p) => deletePod(connection, p.metadata!.name!)));
}

/**
 * The floor kact's job start is compared with: a bare pod of the runner image created, watched
 * to Running, and one `exec true` into it through the transport kact uses; timed from the create
 * call to the exec's end. Pods are started one after another, each deleted before the next.
 */
export async function measureBarePodStarts(connection: KubeConnection, options: BarePodOptions): Promise<BaselineResult> {
  const signal = options.signal ?? new AbortController().signal;
  const transport = new KubeExecTransport(connection);
  const samples: number[] = [];
  const failures: string[] = [];
  const ignore = () => undefined;
  try {
    for (let i = 1; i <= options.count && !signal.aborted; i++) {
      const ref: PodRef = { name: `kact-${options.runId}-bare-${i}`, namespace: connection.namespace };
      const started = performance.now();
      try {
        const created = await connection.core.createNamespacedPod({ namespace: ref.namespace, body: barePod(ref.name, options.runId, options.image) });
        await untilRunning(connection, ref, created.metadata?.resourceVersion, signal, options.startTimeoutMs ?? 120_000);
        const result = await transport.exec(ref, BARE_CONTAINER, ['true'], { onStdout: ignore, onStderr: ignore, signal });
        const ms = performance.now() - started;
        if (result.exitCode === 0) samples.push(ms);
        else failures.push(result.lostReason ?? `exec true: exit code ${result.exitCode}`);
      } catch (error) {
        failures.push(messageOf(error));
      } finally {
        await deletePod(connection, ref.name).catch((error: unknown) => failures.push(`deleting ${ref.name}: ${messageOf(error)}`));
      }
    }
  } finally {
    await deleteLeftovers(connection, options.runId);
  }
  return { samples, failures };
}
