import { PatchStrategy, setHeaderOptions, type V1Container, type V1EnvVar, type V1EphemeralContainer, type V1Pod, type V1SecurityContext, type V1VolumeMount } from '@kubernetes/client-node';
import { InfrastructureError, objectKey } from '@kact/core';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import { readContainerLog } from './container-log.js';
import { bareContainerId, STOP_SCRIPT } from './container-stop.js';
import { LABELS, labelValue, POD_BUSYBOX, TOOLS_CONTAINER } from './pod-builder.js';
import type { PodRef } from './pod-transport.js';
import { CACHE_NOT_SYNCED, FATAL_WAITING } from './pod-progress.js';
import { watchPod, watchPodEvents } from './pod-updates.js';

/** A container to add to a running job pod for one step. */
export interface StepContainerSpec {
  /** Unique in the pod (ephemeral containers are never removed), DNS-1123, ≤ 63. */
  name: string;
  image: string;
  /** Replaces the image's ENTRYPOINT; without it the image's ENTRYPOINT (and CMD, unless `args`) apply. */
  command?: string[];
  args?: string[];
  /** Delivered through a Secret of the step's own (the values may be secrets): never inline in the pod spec. */
  env: Record<string, string>;
  /** Env entries that are references already (`valueFrom`), copied as they are. */
  envRefs?: V1EnvVar[];
  workingDir?: string;
  securityContext?: V1SecurityContext;
  /** Stop the container after this long; the result then has `timedOut`. */
  timeoutMs?: number;
}

export interface StepContainerIo {
  /** The container's log, raw bytes in order (stdout and stderr as the runtime merged them). */
  onLog: (chunk: Buffer) => void;
  /** Aborting stops the container; the result then has `cancelled`. */
  signal: AbortSignal;
  /**
   * Asked after each log chunk: an exit code the log itself carries (a wrapper's trailer). It
   * ends the wait without waiting for the container status, which the kubelet reports up to a
   * second late.
   */
  exitFromLog?: () => number | undefined;
}

export interface StepContainerResult {
  /** From the container status (durable), or from the log when `exitFromLog` gave it. */
  exitCode: number;
  /** The status's reason (`Completed`, `Error`, `OOMKilled`), or `log`. */
  reason: string;
  timedOut: boolean;
  cancelled: boolean;
  oomKilled: boolean;
  /**
   * The length of the container's log the follow reached (counted from the log's start, the
   * target's `fromByte` included): where the next follow of a container that takes more work
   * starts.
   */
  logBytes: number;
}

/** A container to follow: its name, its image (for messages), and how to end it early. */
export interface FollowTarget {
  name: string;
  image: string;
  /** Stop the container after this long; the result then has `timedOut`. */
  timeoutMs?: number;
  /** Ends the container's processes (timeout, abort); default: a stop helper container. */
  stop?: (containerId: string) => Promise<void>;
  /**
   * Bytes of the log that earlier work of a reused container left (the previous result's
   * `logBytes`): the read skips them, since the log API serves a log only from its start.
   */
  fromByte?: number;
  /**
   * For a container that does not end with its work (a reused step slot): whether the work has
   * ended, asked by the status poll while the log read is open. Yes means the read has gone
   * stale (its trailer would have ended the follow), so it is read again from the byte reached,
   * as a terminated container's is. A rejection is no answer.
   */
  finished?: () => Promise<boolean>;
}

/** The container could not run at all (image missing, bad spec): the step fails with this message. */
export class StepContainerError extends Error {
  override name = 'StepContainerError';
}

/** What step containers copy from the pod: labels, owner, the containers' specs. */
export interface JobPodSpec {
  uid: string;
  labels: Record<string, string>;
  shareProcessNamespace: boolean;
  containers: V1Container[];
  /** The shared volumes as the pod's containers mount them (subPaths included). */
  volumeMounts: V1VolumeMount[];
}

export interface StepContainerSettings {
  /** How long a stopped container gets between SIGTERM and SIGKILL. */
  stopGraceSeconds?: number;
  /** How long to wait for a container to go after it was told to stop, before giving up on it. */
  stopTimeoutMs?: number;
}

/** How often a step's wait reads its pod afresh, besides the watch. */
const STATUS_POLL_MS = 15_000;

/** How long a container's log may stay unreadable (the kubelet serving it restarting) before the step fails. */
const LOG_RETRY_MS = 120_000;

/** The API server's answer for the log of a container the kubelet has not reported started yet. */
const NOT_STARTED = /is waiting to start|ContainerCreating|PodInitializing/;

/**
 * The kubelet reports CreateContainerConfigError "failed to sync secret cache" while its watch
 * on a just-created Secret has not caught up; it retries by itself, so that is not fatal for a
 * while.
 */
const CACHE_SYNC_GRACE_MS = 20_000;
function transientWaiting(reason: string, message: string | undefined, since: number): boolean {
  return reason === 'CreateContainerConfigError' && CACHE_NOT_SYNCED.test(message ?? '') && Date.now() - since < CACHE_SYNC_GRACE_MS;
}

/** A step cancelled before its container was asked for or followed: the log stays where it was. */
function cancelledBeforeStart(logBytes: number): StepContainerResult {
  return { exitCode: 130, reason: 'cancelled', timedOut: false, cancelled: true, oomKilled: false, logBytes };
}

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/**
 * Runs steps as ephemeral containers of a job pod (`pods/ephemeralcontainers`): the container
 * shares the pod's volumes (POD_PATHS) and network, gets its env from a per-step Secret that is
 * deleted once the container has started (and with the pod, by owner reference and label, should
 * kact die first), and is followed by watching the pod — no polling — while its log streams
 * from the moment it starts. The exit code comes from the container status, which the kubelet
 * keeps for the pod's lifetime. Needs no `pods/exec`.
 */
export class StepContainers {
  private readonly specs = new Map<string, Promise<JobPodSpec>>();
  private readonly stopGraceSeconds: number;
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly connection: KubeConnection,
    settings: StepContainerSettings = {},
  ) {
    this.stopGraceSeconds = settings.stopGraceSeconds ?? 5;
    this.stopTimeoutMs = settings.stopTimeoutMs ?? 30_000;
  }

  /** The pod's spec as step containers need it; read once per pod. */
  podSpec(pod: PodRef): Promise<JobPodSpec> {
    const key = `${pod.namespace}/${pod.name}`;
    let spec = this.specs.get(key);
    if (!spec) {
      spec = this.connection.core.readNamespacedPod({ name: pod.name, namespace: pod.namespace }).then((p) => ({
        uid: p.metadata!.uid!,
        labels: p.metadata?.labels ?? {},
        shareProcessNamespace: p.spec?.shareProcessNamespace === true,
        containers: p.spec?.containers ?? [],
        // The job container's: the first after kact's tools (pod-builder.ts).
        volumeMounts: p.spec?.containers?.find((c) => c.name !== TOOLS_CONTAINER)?.volumeMounts ?? [],
      }));
      spec.catch(() => this.specs.delete(key));
      this.specs.set(key, spec);
    }
    return spec;
  }

  /** Adds the container to the pod, streams its log and resolves once it has ended. */
  async run(pod: PodRef & { mainContainer: string }, spec: StepContainerSpec, io: StepContainerIo): Promise<StepContainerResult> {
    if (io.signal.aborted) return cancelledBeforeStart(0);
    const podSpec = await this.podSpec(pod);
    // Kubernetes refuses a subPath in an ephemeral container (HTTP 422): say why, before asking.
    const subPath = podSpec.volumeMounts.find((m) => m.subPath);
    if (subPath) {
      throw new StepContainerError(
        `step container ${spec.name}: the job pod mounts ${subPath.mountPath} from a folder of a volume (subPath ${subPath.subPath}), which Kubernetes does not allow in the ephemeral containers docker steps run in; run this job with that path on a volume of its own (e.g. files: without workspace:)`,
      );
    }
    const secret = Object.keys(spec.env).length ? `${pod.name}-${spec.name}`.slice(0, 253).replace(/[-.]+$/, '') : undefined;
    const envFromKeys: V1EnvVar[] = [];
    if (secret) {
      await this.createSecret(pod, podSpec, secret, spec.env);
      // Names that cannot be Secret keys are stored hex-encoded and referenced one by one.
      for (const name of Object.keys(spec.env)) {
        if (objectKey(name) !== name) envFromKeys.push({ name, valueFrom: { secretKeyRef: { name: secret, key: objectKey(name) } } });
      }
    }
    const deleteSecret = once(() => (secret ? this.deleteSecret(pod, secret) : Promise.resolve()));
    try {
      const container: V1EphemeralContainer = {
        name: spec.name,
        image: spec.image,
        imagePullPolicy: 'IfNotPresent',
        ...(spec.command ? { command: spec.command } : {}),
        ...(spec.args ? { args: spec.args } : {}),
        ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
        env: [...(spec.envRefs ?? []), ...envFromKeys],
        ...(secret ? { envFrom: [{ secretRef: { name: secret } }] } : {}),
        volumeMounts: podSpec.volumeMounts,
        ...(spec.securityContext ? { securityContext: spec.securityContext } : {}),
      };
      const patched = await this.addContainer(pod, container);
      return await this.follow(pod, podSpec, { name: spec.name, image: spec.image, ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}) }, patched, io, deleteSecret);
    } finally {
      await deleteSecret().catch(() => undefined);
    }
  }

  /**
   * Follows a container the pod already has (one of its containers, or an ephemeral container
   * added earlier) that is running now: its log from the first byte (or from `fromByte`), its
   * end, its exit code. A timeout or abort calls `stop` (default: the stop helper container).
   */
  async followRunning(pod: PodRef & { mainContainer: string }, target: FollowTarget, io: StepContainerIo): Promise<StepContainerResult> {
    if (io.signal.aborted) return cancelledBeforeStart(target.fromByte ?? 0);
    return this.follow(pod, await this.podSpec(pod), target, undefined, io, () => Promise.resolve(), true);
  }

  /** Adds containers that wait for work (one patch for all of them); they start in the background. */
  async addContainers(pod: PodRef, containers: V1EphemeralContainer[]): Promise<void> {
    if (containers.length) await this.patchEphemeral(pod, containers, containers.map((c) => c.name).join(', '));
  }

  private follow(
    pod: PodRef & { mainContainer: string },
    podSpec: JobPodSpec,
    spec: FollowTarget,
    patched: V1Pod | undefined,
    io: StepContainerIo,
    started: () => Promise<void>,
    running = false,
  ): Promise<StepContainerResult> {
    const name = spec.name;
    return new Promise<StepContainerResult>((resolve, reject) => {
      const logControl = new AbortController();
      /** The read under way; aborted alone when it has gone stale (see the status poll below). */
      let readControl: AbortController | undefined;
      let settled = false;
      let containerId: string | undefined;
      let terminated: { exitCode: number; reason: string } | undefined;
      let logState: 'idle' | 'reading' | 'done' | 'broken' = 'idle';
      let logAttempts = 0;
      let logBrokenSince: number | undefined;
      let received = spec.fromByte ?? 0;
      let probing = false;
      let stop: 'timeout' | 'cancel' | undefined;
      let stopSent = false;
      let stopTimer: NodeJS.Timeout | undefined;
      let configWaitSince: number | undefined;

      const finish = (error: Error | undefined, result?: StepContainerResult) => {
        if (settled) return;
        settled = true;
        updates.stop();
        events?.stop();
        clearInterval(poll);
        logControl.abort();
        clearTimeout(timeoutTimer);
        clearTimeout(stopTimer);
        io.signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(result!);
      };
      const result = (exitCode: number, reason: string): StepContainerResult => ({
        exitCode,
        reason,
        timedOut: stop === 'timeout',
        cancelled: stop === 'cancel',
        oomKilled: reason === 'OOMKilled',
        logBytes: received,
      });
      const check = () => {
        if (terminated && logState === 'done') finish(undefined, result(terminated.exitCode, terminated.reason));
      };

      const onChunk = (chunk: Buffer) => {
        received += chunk.length;
        io.onLog(chunk);
        const code = io.exitFromLog?.();
        if (code !== undefined) finish(undefined, result(code, 'log'));
      };
      const readLog = async () => {
        if (settled || logState === 'reading' || logState === 'done') return;
        logState = 'reading';
        // Follow while it runs; once it has ended, one plain read gives the rest.
        const follow = !terminated;
        readControl = new AbortController();
        const read = await readContainerLog(this.connection, pod, name, { follow, skipBytes: received, signal: AbortSignal.any([logControl.signal, readControl.signal]) }, onChunk);
        if (settled) return;
        if (read.ended === 'aborted') {
          // Given up as stale: read again, from the byte reached.
          logState = 'idle';
          return void readLog();
        }
        if (read.ended === 'end' && follow) {
          // A followed log also ends, cleanly, when the kubelet serving it stops: only a plain
          // read once the container is known to have ended is sure to hold the whole log.
          logState = 'idle';
          if (terminated) void readLog();
          else setTimeout(() => void readLog(), 500);
          return;
        }
        if (read.ended === 'end') {
          logState = 'done';
          return check();
        }
        if (read.ended === 'error' && NOT_STARTED.test(read.error ?? '')) {
          // A slot runs its step as soon as it is woken, before the kubelet reports it running (a
          // loaded node's relist takes seconds); the API server serves no log until then.
          logState = 'idle';
          setTimeout(() => void readLog(), 500);
          return;
        }
        logState = 'broken';
        if (read.bytes > 0) logBrokenSince = undefined;
        logBrokenSince ??= Date.now();
        // The kubelet serves the log: while it restarts (seconds, on a loaded node more) reads fail.
        if (Date.now() - logBrokenSince > LOG_RETRY_MS) {
          return finish(new InfrastructureError(`step container ${name} in pod ${pod.name}: its log could not be read for ${LOG_RETRY_MS / 1000} s: ${read.error ?? read.ended}`));
        }
        logAttempts = Math.min(logAttempts + 1, 4);
        // A dropped connection: read again from the byte reached, the container keeps its log.
        setTimeout(() => void readLog(), 100 * 2 ** logAttempts);
      };

      const sendStop = () => {
        if (stopSent || settled || !containerId) return;
        stopSent = true;
        if (!spec.stop && !podSpec.shareProcessNamespace) {
          return finish(new InfrastructureError(`step container ${name} cannot be stopped: pod ${pod.name} does not share its process namespace`));
        }
        (spec.stop ? spec.stop(containerId) : this.stopContainer(pod, podSpec, name, containerId)).catch((error: unknown) => finish(new InfrastructureError(`stopping step container ${name}: ${messageOf(error)}`)));
        stopTimer = setTimeout(
          () => finish(new InfrastructureError(`step container ${name} in pod ${pod.name} did not stop within ${Math.round(this.stopTimeoutMs / 1000)} s of being told to`)),
          this.stopTimeoutMs,
        );
      };
      const requestStop = (why: 'timeout' | 'cancel') => {
        stop ??= why;
        sendStop();
      };
      const onAbort = () => requestStop('cancel');
      const timeoutTimer = spec.timeoutMs !== undefined ? setTimeout(() => requestStop('timeout'), Math.max(spec.timeoutMs, 1)) : undefined;
      io.signal.addEventListener('abort', onAbort, { once: true });

      const onPod = (current: V1Pod | undefined) => {
        if (!current) return finish(new InfrastructureError(`pod ${pod.name} was deleted while step container ${name} ran`));
        const status = [...(current.status?.ephemeralContainerStatuses ?? []), ...(current.status?.containerStatuses ?? [])].find((s) => s.name === name);
        if (!status) return;
        if (status.containerID) containerId = bareContainerId(status.containerID);
        const waiting = status.state?.waiting;
        if (waiting?.reason && FATAL_WAITING.has(waiting.reason) && !transientWaiting(waiting.reason, waiting.message, (configWaitSince ??= Date.now()))) {
          return finish(new StepContainerError(`container ${name} (image ${spec.image}): ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`));
        }
        if (status.state?.running || status.state?.terminated) {
          // The kubelet has read the env: the Secret has done its job.
          void started().catch(() => undefined);
          if (stop) sendStop();
        }
        if (status.state?.terminated && !terminated) {
          terminated = { exitCode: status.state.terminated.exitCode, reason: status.state.terminated.reason ?? 'Error' };
          clearTimeout(stopTimer);
        }
        if (status.state?.running || status.state?.terminated) {
          if (logState === 'idle') void readLog();
          check();
        }
      };
      // Events only tell of a container that fails to start: none to watch for one already running.
      const events = running ? undefined : watchPodEvents(this.connection, pod, (event) => {
        const path = event.involvedObject?.fieldPath;
        if (event.involvedObject?.uid !== podSpec.uid || (path !== `spec.ephemeralContainers{${name}}` && path !== `spec.containers{${name}}`)) return;
        if (event.type === 'Warning' && (event.reason === 'ErrImageNeverPull' || event.reason === 'InspectFailed' || (event.reason === 'Failed' && /ErrImagePull|ErrImageNeverPull|InvalidImageName|not found|pull access denied/i.test(event.message ?? '')))) {
          finish(new StepContainerError(`container ${name} (image ${spec.image}): ${event.reason}: ${event.message ?? ''}`.trim()));
        }
      });
      const updates = watchPod(this.connection, pod, patched?.metadata?.resourceVersion, onPod, (message) => finish(new InfrastructureError(message)));
      // The watch and a followed log are long requests that a connection gone silent (a NAT or
      // middlebox dropping the flow without a reset) stalls for good. A fresh read of the pod now
      // and then tells what they missed: a container that ended while its log still follows.
      // A container that runs on after its work never ends: the target's own probe tells instead.
      const poll = setInterval(() => {
        this.connection.core.readNamespacedPod({ name: pod.name, namespace: pod.namespace }).then(
          (current) => {
            if (settled) return;
            onPod(current);
            if (terminated && logState === 'reading') readControl?.abort();
          },
          (error: unknown) => {
            if (isHttpStatus(error, 404)) onPod(undefined);
          },
        );
        if (spec.finished && !probing && !terminated && logState === 'reading') {
          probing = true;
          const asked = readControl;
          void spec.finished().then(
            (yes) => {
              if (yes && !settled && logState === 'reading' && readControl === asked) asked?.abort();
            },
            () => undefined,
          ).finally(() => (probing = false));
        }
      }, STATUS_POLL_MS);
      if (patched) onPod(patched);
      // A container known to run: its log can be read before the watch reports anything.
      if (running) void readLog();
      if (io.signal.aborted) onAbort();
    });
  }

  private async createSecret(pod: PodRef, podSpec: JobPodSpec, name: string, env: Record<string, string>): Promise<void> {
    const labels: Record<string, string> = { [LABELS.pod]: labelValue(pod.name), [LABELS.managedBy]: 'kact' };
    for (const key of [LABELS.runId, LABELS.job]) if (podSpec.labels[key]) labels[key] = podSpec.labels[key]!;
    const stringData = Object.fromEntries(Object.entries(env).map(([k, v]) => [objectKey(k), v]));
    await this.connection.core.createNamespacedSecret({
      namespace: pod.namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name,
          namespace: pod.namespace,
          labels,
          // Deleted with the pod by the cluster's garbage collector, even if kact dies first.
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: podSpec.uid, blockOwnerDeletion: false }],
        },
        stringData,
      },
    });
  }

  private async deleteSecret(pod: PodRef, name: string): Promise<void> {
    await this.connection.core.deleteNamespacedSecret({ name, namespace: pod.namespace }).catch((error: unknown) => {
      if (!isHttpStatus(error, 404)) throw error;
    });
  }

  private addContainer(pod: PodRef, container: V1EphemeralContainer): Promise<V1Pod> {
    return this.patchEphemeral(pod, [container], container.name);
  }

  private async patchEphemeral(pod: PodRef, containers: V1EphemeralContainer[], names: string): Promise<V1Pod> {
    try {
      return await this.connection.core.patchNamespacedPodEphemeralcontainers(
        { name: pod.name, namespace: pod.namespace, body: { spec: { ephemeralContainers: containers } } },
        strategicMerge,
      );
    } catch (error) {
      if (isHttpStatus(error, 404)) throw new InfrastructureError(`pod ${pod.name} is gone; cannot add step container ${names}`);
      throw new InfrastructureError(`adding step container ${names} to pod ${pod.name}: ${messageOf(error)}`);
    }
  }

  /** Starts the helper that signals the target's processes (see container-stop.ts). */
  private async stopContainer(pod: PodRef & { mainContainer: string }, podSpec: JobPodSpec, target: string, containerId: string): Promise<void> {
    const main = podSpec.containers.find((c) => c.name === pod.mainContainer) ?? podSpec.containers[0];
    await this.addContainer(pod, {
      name: `${target.slice(0, 56)}-stop`,
      image: main!.image!,
      imagePullPolicy: 'IfNotPresent',
      command: [POD_BUSYBOX, 'sh', '-c', STOP_SCRIPT, 'kact-stop', containerId, String(this.stopGraceSeconds)],
      volumeMounts: podSpec.volumeMounts,
      securityContext: { runAsUser: 0, runAsGroup: 0 },
    });
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}
