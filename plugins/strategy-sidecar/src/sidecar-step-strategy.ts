import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { inject, injectable, optional } from 'inversify';
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { InfrastructureError, type ContainerStepRequest, type JobPod, type JobPodRequest, type PodPlan, type ProcessRequest, type ProcessResult, type StepStrategy } from '@kact/core';
import { DEFAULT_TOOLS_IMAGE, EphemeralCopyIn, KUBE_TOKENS, packFolder, POD_BUSYBOX, runContainerStep, stepContainerResources, type CopyInOptions, type KubeConnection, type PodFileCopy, type StepContainerIo, type StepContainerResult, type StepContainers } from '@kact/kubernetes';
import { sidecarFileCommands } from './sidecar-files.js';
import { SidecarLog } from './sidecar-log.js';
import { encodeSidecarStep } from './sidecar-request.js';
import { sidecarWrapperScript } from './sidecar-wrapper.js';
import { describeLimits, SlotsUnavailable, StepSlots, type ClaimedSlot } from './step-slots.js';

export interface SidecarStrategySettings {
  /** How long past a step's own timeout (which the wrapper enforces) before its container is stopped from outside. */
  stopBackstopMs?: number;
  /** Step slots (containers created with the pod that wait for a step): off runs every step as an ephemeral container of its own. */
  slots?: boolean;
  /** Image of the step agent (needs `node`); default: the runner image. */
  agentImage?: string;
  /** Slots created with the pod (see SlotSettings.maxInitialSlots). */
  maxInitialSlots?: number;
  /** Slots of a job whose container has limits (all it gets: see SlotSettings.maxLimitedSlots). */
  maxLimitedSlots?: number;
  agentPort?: number;
}

export const SIDECAR_STRATEGY_SETTINGS = Symbol.for('kact.strategy-sidecar.Settings');

/** Wrapper exit codes for its own failures before the process started (see sidecar-wrapper.ts). */
const WRAPPER_FAILURES = new Set([92, 93, 94]);
/** A shortfall of the container log against the wrapper's count that means lost output, not dropped CRs. */
const LOST_LOG_THRESHOLD = 256 * 1024;
/** How long a stopped step's processes get between SIGTERM and SIGKILL. */
const STOP_GRACE_SECONDS = 5;

/** The env a container of the pod has from its spec, split into values kact may copy and references it must keep as such. */
interface ContainerEnv {
  values: Record<string, string>;
  refs: V1EnvVar[];
}

/**
 * Every process runs in a container of the job pod, never through `pods/exec`. `run` steps and
 * node actions go to a step slot: a container created with the pod (the job's image, the pod's
 * busybox running a constant wrapper) that takes the job's steps one after another; the pod's
 * step agent hands it each step through the API server's pod proxy (see step-slots.ts).
 * Without slots (a Role without `pods/proxy`, or all used and none starting in time) the step
 * becomes an ephemeral container of its own with the step in a per-step Secret. Docker steps
 * are ephemeral containers in their own image. Either way the log streams from the container
 * and carries the exit code and the file-command files back in a trailer; the step folder on
 * the pod's volume keeps the exit code too (and an ephemeral container's status).
 */
@injectable()
export class SidecarStepStrategy implements StepStrategy, PodFileCopy {
  readonly name = 'sidecar';
  private readonly wrapper = sidecarWrapperScript(POD_BUSYBOX);
  private readonly envs = new Map<string, Promise<ContainerEnv>>();
  private readonly stopBackstopMs: number;
  private readonly slots: StepSlots | undefined;
  private readonly files = sidecarFileCommands(this);
  private readonly copier: EphemeralCopyIn;

  constructor(
    @inject(KUBE_TOKENS.StepContainers) private readonly containers: StepContainers,
    @inject(KUBE_TOKENS.Connection) private readonly connection: KubeConnection,
    @inject(SIDECAR_STRATEGY_SETTINGS) @optional() settings: SidecarStrategySettings = {},
  ) {
    this.stopBackstopMs = settings.stopBackstopMs ?? 15_000;
    this.copier = new EphemeralCopyIn(containers);
    if (settings.slots !== false) {
      this.slots = new StepSlots(connection, containers, {
        agentImage: settings.agentImage ?? DEFAULT_TOOLS_IMAGE,
        ...(settings.maxInitialSlots !== undefined ? { maxInitialSlots: settings.maxInitialSlots } : {}),
        ...(settings.maxLimitedSlots !== undefined ? { maxLimitedSlots: settings.maxLimitedSlots } : {}),
        ...(settings.agentPort !== undefined ? { agentPort: settings.agentPort } : {}),
      });
    }
  }

  preparePod(request: JobPodRequest, plan: PodPlan): JobPodRequest {
    return this.slots ? this.slots.plan(request, plan) : request;
  }

  async runProcess(pod: JobPod, request: ProcessRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult> {
    const empty = Object.fromEntries(Object.keys(request.fileCommands).map((name) => [name, '']));
    if (signal.aborted) return { exitCode: 130, fileCommands: empty };
    const podSpec = await this.containers.podSpec(pod);
    const target = podSpec.containers.find((c) => c.name === request.container);
    if (!target) throw new InfrastructureError(`sidecar strategy: pod ${pod.name} has no container ${request.container}`);
    const base = await this.containerEnv(pod, target);
    const step = encodeSidecarStep(request, base.values);
    const log = new SidecarLog(step.nonce, output);
    const io: StepContainerIo = { onLog: log.push, signal, exitFromLog: () => log.trailer()?.exitCode };
    // The wrapper enforces the step's timeout itself; this only catches a wrapper that hangs.
    const backstop = request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs + this.stopBackstopMs } : {};

    let name: string | undefined;
    let claimed: ClaimedSlot | undefined;
    let result: StepContainerResult | undefined;
    // The limits the step is held to (the job container's): only a slot can hold them.
    const limits = describeLimits(stepContainerResources(target.resources)?.limits);
    const slots = request.container === pod.mainContainer ? this.slots?.of(pod) : undefined;
    if (slots && !slots.unavailable) {
      try {
        claimed = await slots.claim(pod, this.containers, { dir: step.dir, script: step.scriptName, files: step.files }, signal);
      } catch (error) {
        if (!(error instanceof SlotsUnavailable)) throw error;
        if (signal.aborted) return { exitCode: 130, fileCommands: empty };
        slots.unavailable = error.message;
      }
      if (claimed) {
        const slot = (name = claimed.name);
        result = await this.containers.followRunning(
          pod,
          {
            name: slot,
            image: target.image!,
            ...backstop,
            // The slot's log holds its earlier steps; their trailers are not this step's.
            fromByte: claimed.fromByte,
            finished: () => slots.finished(slot, step.dir),
            stop: (id) => this.slots!.stop(pod, slot, id, STOP_GRACE_SECONDS),
          },
          io,
        );
        slots.release(claimed, result);
      }
    }
    if (!name && limits) throw new InfrastructureError(refusal(pod, limits, slots?.unavailable ?? (this.slots ? `pod ${pod.name} has no step slots` : 'step slots are off')));
    if (slots?.unavailable && !slots.told) {
      slots.told = true;
      output(`kact: ${slots.unavailable}; this job's steps run as ephemeral containers instead (slower)\n`);
    }
    if (!name || !result) {
      name = `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      result = await this.containers.run(
        pod,
        {
          name,
          image: target.image!,
          command: [POD_BUSYBOX, 'sh', '-c', this.wrapper, 'kact-step', step.dir, step.scriptName],
          env: step.env,
          envRefs: base.refs,
          ...(target.securityContext ? { securityContext: target.securityContext } : {}),
          ...backstop,
        },
        io,
      );
    }
    log.end();
    const trailer = log.trailer();
    if (trailer) {
      if (trailer.outputBytes >= 0 && trailer.outputBytes - log.outputBytes > LOST_LOG_THRESHOLD) {
        // Loud, never silent: the kubelet rotates container logs (containerLogMaxSize, 10 MiB by
        // default) and the log API then serves only the newest file. (Small shortfalls are the
        // runtime's log format dropping the CR of CRLF line ends.)
        output(`\nkact: this step wrote ${trailer.outputBytes} bytes of output but its container log delivered ${log.outputBytes}; the kubelet rotated the log while the step ran (containerLogMaxSize). Use the exec strategy for steps with this much output.\n`);
      }
      return {
        exitCode: result.cancelled ? 130 : trailer.exitCode,
        fileCommands: Object.fromEntries(step.fileNames.map((n, i) => [n, trailer.files[i] ?? ''])),
        ...(trailer.timedOut || result.timedOut ? { timedOut: true } : {}),
        ...(trailer.oomKills > 0 ? { killedBy: 'oom' as const } : {}),
      };
    }
    // No trailer: the wrapper did not get to the end. The container status says why.
    if (result.cancelled) return { exitCode: 130, fileCommands: empty };
    if (result.oomKilled) return { exitCode: 137, fileCommands: empty, killedBy: 'oom' };
    if (result.timedOut) return { exitCode: result.exitCode, fileCommands: empty, timedOut: true };
    const why = WRAPPER_FAILURES.has(result.exitCode) ? 'the step wrapper failed before the process started' : 'the step ended without its exit record';
    throw new InfrastructureError(`sidecar strategy: ${why} (container ${name} of pod ${pod.name}, ${result.reason}, exit code ${result.exitCode})`);
  }

  /**
   * Copies a folder into the pod without `pods/exec` (JobBackend.copyIn): through the pod's step
   * agent, else through ephemeral containers.
   */
  async copyIn(pod: JobPod, localDir: string, podPath: string, options: CopyInOptions = {}): Promise<void> {
    const archive = await packFolder(localDir, options);
    this.copier.checkSize(archive, localDir, pod, podPath);
    if (this.slots?.forPod(pod)) {
      try {
        return await this.slots.copy(pod, archive, podPath);
      } catch (error) {
        if (!(error instanceof SlotsUnavailable)) throw error;
      }
    }
    await this.copier.copyArchive(pod, archive, localDir, podPath);
  }

  /** Docker steps: the image's own container; the file-command files prepared and read back by processes of this strategy. */
  runContainer(pod: JobPod, request: ContainerStepRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult> {
    return runContainerStep(this.containers, this.files, pod, request, output, signal);
  }

  /**
   * The env the target container has from its spec (the job's env, from its ConfigMap): an
   * ephemeral container does not inherit it, so the values go into the step's request. Secret
   * references stay references (copied into the step container's spec, resolved by the kubelet).
   */
  private containerEnv(pod: JobPod, container: V1Container): Promise<ContainerEnv> {
    const key = `${pod.namespace}/${pod.name}/${container.name}`;
    let env = this.envs.get(key);
    if (!env) {
      env = this.resolveEnv(pod, container);
      env.catch(() => this.envs.delete(key));
      this.envs.set(key, env);
    }
    return env;
  }

  private async resolveEnv(pod: JobPod, container: V1Container): Promise<ContainerEnv> {
    const values: Record<string, string> = {};
    const refs: V1EnvVar[] = [];
    const maps = new Map<string, Promise<Record<string, string>>>();
    const configMap = (name: string) => {
      let data = maps.get(name);
      if (!data) {
        data = this.connection.core.readNamespacedConfigMap({ name, namespace: pod.namespace }).then((cm) => cm.data ?? {});
        maps.set(name, data);
      }
      return data;
    };
    for (const entry of container.env ?? []) {
      if (entry.value !== undefined) values[entry.name] = entry.value;
      else if (entry.valueFrom?.configMapKeyRef) {
        const ref = entry.valueFrom.configMapKeyRef;
        const value = (await configMap(ref.name!))[ref.key];
        if (value !== undefined) values[entry.name] = value;
      } else refs.push(entry);
    }
    return { values, refs };
  }
}

/**
 * Why a process of a job whose container has limits is not run: it has no step slot (they hold
 * the limits), and the only other place, an ephemeral container, cannot (Kubernetes rejects
 * resources on one). A pod-level limit (`spec.resources`, beta in 1.34) would bound the sum of
 * the pod's containers, the agent and in-pod services too, not the step's own: it would let the
 * step exceed the workflow's limit by what they leave unused, or cut it short by what they use.
 */
function refusal(pod: JobPod, limits: string, why: string): string {
  const usedUp = why.startsWith('all ');
  return `sidecar strategy: ${why}. This process would run in an ephemeral container, which Kubernetes allows no resource limits, and so escape the limits the job container has (${limits}); kact does not run it. Run this job with --strategy exec${usedUp ? ', or split it into jobs of fewer steps' : ''} (pod ${pod.name}).`;
}
