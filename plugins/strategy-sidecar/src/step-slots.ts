import { randomBytes } from 'node:crypto';
import type { V1Container, V1EphemeralContainer, V1VolumeMount } from '@kubernetes/client-node';
import { InfrastructureError, POD_PATHS, type ContainerRequest, type JobPodRequest, type PodPlan } from '@kact/core';
import { jobContainerResources, parseContainerOptions, POD_BUSYBOX, POD_SLOTS, stepContainerResources, STOP_SCRIPT, type KubeConnection, type PodRef, type StepContainers } from '@kact/kubernetes';
import { AgentClient, type AgentReply } from './agent-client.js';
import { AGENT_SCRIPT } from './step-agent.js';
import { slotScript } from './sidecar-wrapper.js';

export interface SlotSettings {
  /** Slots created with the pod: the job's steps plus two, at most this many. */
  maxInitialSlots?: number;
  /**
   * Slots created with the pod of a job whose container has limits: twice its steps plus two,
   * at most this many. Such a job gets no more later: added slots are ephemeral containers,
   * which Kubernetes allows no limits, so its steps would escape them.
   */
  maxLimitedSlots?: number;
  /** Refill: when fewer than this many slots are free, more are added (as ephemeral containers, at most 16 at a time). */
  lowWater?: number;
  /** The agent's port in the pod (the pod's containers share it: keep it clear of services). */
  agentPort?: number;
  /** Image of the agent container: must have `node` (the runner image has). */
  agentImage: string;
  /** How long a step may wait for a slot to start listening (refilled slots start in the background). */
  claimTimeoutMs?: number;
}

/** The job Secret key holding the agent's key. */
export const AGENT_KEY_SECRET = 'kact-agent-key';
export const AGENT_CONTAINER = 'kact-agent';
const SLOT_PREFIX = 'kact-slot-';
/** A slot's command, its name last. */
const SLOT_COMMAND = [POD_BUSYBOX, 'sh', '-c', slotScript(POD_BUSYBOX), 'kact-slot'];

/** Why the pod's slots cannot be used: from then on its steps run as ephemeral containers of their own. */
export class SlotsUnavailable extends Error {
  override name = 'SlotsUnavailable';
}

/** The step slots of one job pod: which are still free, the agent that hands steps to them. */
class PodSlots {
  private readonly free: string[];
  private claimed = 0;
  private refills = 0;
  private refilling: Promise<void> | undefined;
  /** Why the slots cannot be used (from then on the pod's steps run as ephemeral containers). */
  unavailable: string | undefined;
  /** The job's log has been told so. */
  told = false;

  constructor(
    readonly agent: AgentClient,
    private readonly initial: string[],
    /** Processes the job is expected to run: its steps, and a few more (post steps, file helpers). */
    private readonly expected: number,
    private readonly mainImage: string,
    private readonly settings: Required<SlotSettings>,
    /**
     * The job container's limits the slots share (`memory 64Mi, cpu 500m`), if it has any: the
     * pod then gets no slots beyond those it was created with (see SlotSettings.maxLimitedSlots).
     */
    readonly limits?: string,
  ) {
    this.free = [...initial];
  }

  /**
   * Hands the step to a free slot and returns the slot's name. A slot that is not listening yet
   * (just added) is retried until the claim timeout; the pool is refilled in the background.
   */
  async claim(pod: PodRef, containers: StepContainers, step: unknown, signal: AbortSignal): Promise<string> {
    const deadline = Date.now() + this.settings.claimTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.free.length < this.settings.lowWater && !this.limits) this.refill(pod, containers);
      const slot = this.free[0];
      let last = 'no slot free';
      if (slot) {
        const reply = await this.agent.post('step', slot, step);
        if (reply.status === 200) {
          this.take(slot);
          this.claimed++;
          return slot;
        }
        if (reply.status === 410) {
          this.take(slot);
          continue;
        }
        // 403 from the API server: this identity may not use pods/proxy. 404: no agent there.
        if (reply.status === 403 || reply.status === 401 || reply.status === 404) {
          throw new SlotsUnavailable(`the step agent of pod ${pod.name} cannot be reached (HTTP ${reply.status}: ${reply.text.slice(0, 200)})`);
        }
        // 409 (the slot is starting) and 502/503/0 (the agent is starting, or an answer lost on
        // the way) heal by themselves: asking the same slot again is safe (see step-agent.ts).
        last = `HTTP ${reply.status} ${reply.text.slice(0, 200)}`;
      } else if (this.unavailable) throw new SlotsUnavailable(this.unavailable);
      else if (this.limits) throw new SlotsUnavailable(`all ${this.initial.length} step slots of pod ${pod.name} are used (slots added later would be ephemeral containers)`);
      else await this.refilling;
      if (Date.now() > deadline) throw new SlotsUnavailable(`no step slot of pod ${pod.name} took the step within ${this.settings.claimTimeoutMs / 1000} s (last: ${last})`);
      if (signal.aborted) throw new SlotsUnavailable('cancelled');
      if (slot) await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)));
    }
  }

  /** Drops a slot from the free ones (by name: another claim may have taken the first meanwhile). */
  private take(slot: string): void {
    const at = this.free.indexOf(slot);
    if (at >= 0) this.free.splice(at, 1);
  }

  private refill(pod: PodRef, containers: StepContainers): void {
    if (this.refilling) return;
    // Enough for what the job is still expected to run: a container start is paid once per batch.
    const count = Math.max(this.settings.lowWater, Math.min(16, this.expected - this.claimed - this.free.length));
    const names = Array.from({ length: count }, (_, i) => `${SLOT_PREFIX}r${this.refills}-${i}`);
    this.refills++;
    this.refilling = containers
      .podSpec(pod)
      .then((spec) => {
        const template = spec.containers.find((c) => c.name.startsWith(SLOT_PREFIX));
        return containers.addContainers(pod, names.map((name) => ephemeralSlot(name, this.mainImage, template, spec.volumeMounts)));
      })
      .then(() => void this.free.push(...names))
      .catch((error: unknown) => {
        if (!this.free.length) this.unavailable = `adding step slots: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => (this.refilling = undefined));
  }
}

/** A slot added to the running pod, like the ones it was created with. */
function ephemeralSlot(name: string, image: string, template: V1Container | undefined, volumeMounts: V1VolumeMount[]): V1EphemeralContainer {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: [...SLOT_COMMAND, name],
    // The references (secrets as env) the slots created with the pod have.
    env: template?.env ?? [],
    volumeMounts,
    ...(template?.securityContext ? { securityContext: template.securityContext } : {}),
  };
}

/**
 * Step slots: containers of the job pod, started with it, each waiting (on a FIFO, no CPU) to
 * run one step, plus the agent that hands steps to them. A step then costs a short request
 * through the API server and a log read, no container start: the kubelet reports a new
 * container only at its next relist (every second), which is what ephemeral containers pay.
 */
export class StepSlots {
  private readonly pods = new Map<string, PodSlots>();
  private readonly settings: Required<SlotSettings>;

  constructor(
    private readonly connection: KubeConnection,
    private readonly containers: StepContainers,
    settings: SlotSettings,
  ) {
    this.settings = { maxInitialSlots: 8, maxLimitedSlots: 24, lowWater: 4, agentPort: 47_113, claimTimeoutMs: 30_000, ...settings };
  }

  /**
   * Adds the agent and the first slots to a job pod request, and remembers them for its steps.
   * The slots share the job container's limits (ContainerRequest.sharesJobLimits); a job with
   * limits gets all its slots now, since later ones could not hold them.
   */
  plan(request: JobPodRequest, plan: PodPlan): JobPodRequest {
    const key = randomBytes(32);
    const main = request.main;
    const limits = describeLimits(stepContainerResources(jobContainerResources(request))?.limits);
    const count = limits ? Math.max(2, Math.min(2 * plan.steps + 2, this.settings.maxLimitedSlots)) : Math.max(2, Math.min(plan.steps + 2, this.settings.maxInitialSlots));
    const names = Array.from({ length: count }, (_, i) => `${SLOT_PREFIX}${i}`);
    const ports = new Set([main, ...request.services.map((s) => s.container)].flatMap((c) => c.ports ?? []));
    let port = this.settings.agentPort;
    while (ports.has(port)) port++;
    const options = slotOptions(main.options);
    const slots: ContainerRequest[] = names.map((name) => ({
      name,
      image: main.image,
      env: {},
      ...(main.secretEnv ? { secretEnv: main.secretEnv } : {}),
      entrypoint: [...SLOT_COMMAND, name],
      keepAlive: false,
      sharesJobLimits: true,
      ...(options ? { options } : {}),
    }));
    const agent: ContainerRequest = {
      name: AGENT_CONTAINER,
      image: this.settings.agentImage,
      env: {},
      secretEnv: { KACT_AGENT_KEY: AGENT_KEY_SECRET },
      entrypoint: ['node', '-e', AGENT_SCRIPT, String(port), POD_SLOTS, `${POD_PATHS.runtime}/steps`, POD_BUSYBOX, STOP_SCRIPT],
      keepAlive: false,
    };
    const client = new AgentClient(this.connection, { name: request.name, namespace: this.connection.namespace }, port, key);
    this.pods.set(request.name, new PodSlots(client, names, plan.steps + 2, main.image, this.settings, limits));
    return { ...request, extra: [...request.extra, agent, ...slots], secrets: { ...request.secrets, [AGENT_KEY_SECRET]: key.toString('base64') } };
  }

  /** The pod's slots, unless it has none (created elsewhere) or they proved unusable. */
  forPod(pod: PodRef): PodSlots | undefined {
    const slots = this.of(pod);
    return slots && !slots.unavailable ? slots : undefined;
  }

  /** The pod's slots, usable or not. */
  of(pod: PodRef): PodSlots | undefined {
    return this.pods.get(pod.name);
  }

  /**
   * Unpacks a tar.gz into the pod through the agent, as the job container's user. Rejects with
   * SlotsUnavailable when the agent cannot be used (the caller copies another way).
   */
  async copy(pod: PodRef, archive: Buffer, target: string): Promise<void> {
    const slots = this.forPod(pod);
    if (!slots) throw new SlotsUnavailable(`pod ${pod.name} has no step agent`);
    const deadline = Date.now() + this.settings.claimTimeoutMs;
    for (;;) {
      // Any slot the pod was created with tells the agent whose files these become.
      const reply = await slots.agent.post('copy', `${SLOT_PREFIX}0`, { target, archive: archive.toString('base64') });
      if (reply.status === 200) return;
      if (reply.status === 500) throw new InfrastructureError(`copying into ${pod.name}:${target}: ${reply.text}`);
      if (reply.status === 403 || reply.status === 401 || reply.status === 404 || Date.now() > deadline) {
        slots.unavailable = `the step agent of pod ${pod.name} cannot be reached (HTTP ${reply.status}: ${reply.text.slice(0, 200)})`;
        throw new SlotsUnavailable(slots.unavailable);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the processes of a slot's step through the agent (timeouts, cancellation). */
  async stop(pod: PodRef, slot: string, containerId: string, graceSeconds: number): Promise<void> {
    const slots = this.pods.get(pod.name);
    if (!slots) throw new InfrastructureError(`pod ${pod.name} has no step agent`);
    let reply: AgentReply | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      reply = await slots.agent.post('stop', slot, { container: containerId, grace: graceSeconds });
      if (reply.status === 200) return;
      if (reply.status !== 0 && reply.status !== 502 && reply.status !== 503) break;
    }
    throw new InfrastructureError(`the step agent of pod ${pod.name} could not stop ${slot}: HTTP ${reply?.status} ${reply?.text}`);
  }
}

/**
 * The job container's options that also apply to the steps' slots: who the step runs as and its
 * privileges. Not `--memory`/`--cpus`: the slots get the job container's limits through
 * `sharesJobLimits`, without requesting them again.
 */
function slotOptions(options: string | undefined): string | undefined {
  if (!options) return undefined;
  const parsed = parseContainerOptions(options);
  const words: string[] = [];
  if (parsed.user) words.push('--user', `${parsed.user.uid}${parsed.user.gid !== undefined ? `:${parsed.user.gid}` : ''}`);
  if (parsed.privileged) words.push('--privileged');
  for (const cap of parsed.capAdd) words.push('--cap-add', cap);
  return words.length ? words.join(' ') : undefined;
}

/** Limits as a job log names them: `memory 64Mi, cpu 500m`; undefined for none. */
export function describeLimits(limits: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(limits ?? {});
  return entries.length ? entries.map(([name, value]) => `${name} ${value}`).join(', ') : undefined;
}

export type { PodSlots };
