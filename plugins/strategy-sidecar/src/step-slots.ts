import { randomBytes } from 'node:crypto';
import type { V1Container, V1EphemeralContainer, V1VolumeMount } from '@kubernetes/client-node';
import { InfrastructureError, POD_PATHS, type ContainerRequest, type JobPodRequest, type PodPlan } from '@kact/core';
import { jobContainerResources, parseContainerOptions, POD_BUSYBOX, POD_SLOTS, stepContainerResources, STOP_SCRIPT, type KubeConnection, type PodRef, type StepContainerResult, type StepContainers } from '@kact/kubernetes';
import { AgentClient, type AgentReply } from './agent-client.js';
import { AGENT_SCRIPT } from './step-agent.js';
import { slotScript } from './sidecar-wrapper.js';

export interface SlotSettings {
  /**
   * Slots created with the pod: the job's steps plus two, at most this many (default 1). A slot
   * takes one step after another, so one covers a job of any length. Each is a container the
   * kubelet starts in the pod's first sync, before it reports the job container running: three
   * cost a job's start a second (a relist) over one.
   */
  maxInitialSlots?: number;
  /**
   * Slots created with the pod of a job whose container has limits: its steps plus two, at most
   * this many (default 8). Such a job gets no more later: added slots are ephemeral containers,
   * which Kubernetes allows no limits, so its steps would escape them; it needs spares for the
   * slots it loses (a stopped step, a log grown past MAX_SLOT_LOG_BYTES).
   */
  maxLimitedSlots?: number;
  /** Refill: when fewer than this many slots are free (processes that overlap, retired slots), REFILL_SLOTS more are added as ephemeral containers (default 1). */
  lowWater?: number;
  /** The agent's port in the pod (the pod's containers share it: keep it clear of services). */
  agentPort?: number;
  /** Image of the agent container: must have `node` (the runner image has). */
  agentImage: string;
  /**
   * How long a step may wait for the agent to answer and a slot to take it (a slot just added,
   * or back from its last step); for the pod's first slot to start, at least SLOTS_START_MS
   * (see PodSlots.expired).
   */
  claimTimeoutMs?: number;
}

/** The job Secret key holding the agent's key. */
export const AGENT_KEY_SECRET = 'kact-agent-key';
export const AGENT_CONTAINER = 'kact-agent';
const SLOT_PREFIX = 'kact-slot-';
/** Ephemeral slots added at a time: their start (≈ 2 s, the kubelet's relist) is paid per batch. */
const REFILL_SLOTS = 3;
/**
 * A slot whose log has grown past this is retired. Each step on it reads the log from byte 0
 * (the log API has no offsets) and skips what earlier steps left; and the kubelet rotates a log
 * at containerLogMaxSize (10 MiB by default), after which it serves only the newest file and
 * the offsets would point into the wrong bytes.
 */
export const MAX_SLOT_LOG_BYTES = 1024 * 1024;
/**
 * The agent and the slots start in the background (ContainerRequest.startsInBackground): once
 * the agent answers, the job's first requests wait up to this long (a busy node) for a slot to
 * start before the pod's slots count as unusable.
 */
const SLOTS_START_MS = 120_000;
/** Statuses only the agent itself gives: it is up (0, 502 and 503 are the way there failing). */
const AGENT_STATUSES = new Set([200, 202, 400, 409, 410]);
/** A slot's command, its name last. */
const SLOT_COMMAND = [POD_BUSYBOX, 'sh', '-c', slotScript(POD_BUSYBOX), 'kact-slot'];

/** Why the pod's slots cannot be used: from then on its steps run as ephemeral containers of their own. */
export class SlotsUnavailable extends Error {
  override name = 'SlotsUnavailable';
}

/** A slot a step was handed to, and where that step's part of the slot's log starts. */
export interface ClaimedSlot {
  name: string;
  fromByte: number;
}

/** The step slots of one job pod: which are free (with their logs' lengths), the agent that hands steps to them. */
class PodSlots {
  /** The warmest first: one slot takes a job's sequential steps, the others stay spare. */
  private readonly free: Array<{ name: string; logBytes: number }>;
  private refills = 0;
  private refilling: Promise<void> | undefined;
  /** Why the slots cannot be used (from then on the pod's steps run as ephemeral containers). */
  unavailable: string | undefined;
  /** The job's log has been told so. */
  told = false;

  /** The agent has answered (see AGENT_STATUSES): the pod proxy reaches it. */
  private agentAnswered = false;
  /** A slot has taken a step or a copy: the slots have started. */
  private slotsStarted = false;

  constructor(
    private readonly agent: Pick<AgentClient, 'post'>,
    private readonly initial: string[],
    private readonly mainImage: string,
    private readonly settings: Required<SlotSettings>,
    /**
     * The job container's limits the slots share (`memory 64Mi, cpu 500m`), if it has any: the
     * pod then gets no slots beyond those it was created with (see SlotSettings.maxLimitedSlots).
     */
    readonly limits?: string,
  ) {
    this.free = initial.map((name) => ({ name, logBytes: 0 }));
  }

  /**
   * Hands the step to a free slot and returns it. A slot that is not waiting yet (just added,
   * or just back from its last step) is retried until the claim timeout, and after a few
   * refusals another free one is tried first; the pool is refilled in the background.
   */
  async claim(pod: PodRef, containers: StepContainers, step: unknown, signal: AbortSignal): Promise<ClaimedSlot> {
    const since = Date.now();
    let refused = 0;
    for (let attempt = 0; ; attempt++) {
      if (this.free.length < this.settings.lowWater && !this.limits) this.refill(pod, containers);
      const slot = this.free[0];
      let last = 'no slot free';
      if (slot) {
        const reply = await this.post('step', slot.name, step);
        if (reply.status === 200) {
          this.take(slot.name);
          return { name: slot.name, fromByte: slot.logBytes };
        }
        if (reply.status === 410) {
          this.take(slot.name);
          continue;
        }
        // 403 from the API server: this identity may not use pods/proxy. 404: no agent there.
        if (reply.status === 403 || reply.status === 401 || reply.status === 404) {
          throw new SlotsUnavailable(`the step agent of pod ${pod.name} cannot be reached (HTTP ${reply.status}: ${reply.text.slice(0, 200)})`);
        }
        // 409 (the slot is starting, or busy) and 502/503/0 (the agent is starting, or an answer
        // lost on the way) heal by themselves: asking the same slot again is safe (see
        // step-agent.ts). A slot still starting should not hold up one that waits.
        if (reply.status === 409 && ++refused >= 4 && this.take(slot.name)) {
          this.free.push(slot);
          refused = 0;
        }
        last = `HTTP ${reply.status} ${reply.text.slice(0, 200)}`;
      } else if (this.unavailable) throw new SlotsUnavailable(this.unavailable);
      else if (this.limits) throw new SlotsUnavailable(`all ${this.initial.length} step slots of pod ${pod.name} are used (slots added later would be ephemeral containers)`);
      else await this.refilling;
      if (this.expired(since)) throw new SlotsUnavailable(`no step slot of pod ${pod.name} took the step within ${Math.round((Date.now() - since) / 1000)} s (last: ${last})`);
      if (signal.aborted) throw new SlotsUnavailable('cancelled');
      if (slot) await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)));
    }
  }

  /**
   * Puts a slot back after its step, first in line, unless it is done for: stopped (cancel or
   * backstop timeout: the stop helper KILLs it after the grace; the wrapper's own step timeout
   * leaves it healthy), ended (its step's exit came from the container status, not the log's
   * trailer), or its log grown past MAX_SLOT_LOG_BYTES.
   */
  release(slot: ClaimedSlot, result: StepContainerResult): void {
    if (result.cancelled || result.timedOut || result.reason !== 'log' || result.logBytes > MAX_SLOT_LOG_BYTES) return;
    this.free.unshift({ name: slot.name, logBytes: result.logBytes });
  }

  /** Whether the step in `dir` has recorded its exit (the agent's word; false when it cannot be asked). */
  async finished(slot: string, dir: string): Promise<boolean> {
    return (await this.post('done', slot, { dir })).status === 200;
  }

  /** A request to the agent (see AgentClient.post), noting what it tells of the pod's helpers. */
  async post(verb: 'step' | 'done' | 'stop' | 'copy', slot: string, payload: unknown): Promise<AgentReply> {
    const reply = await this.agent.post(verb, slot, payload);
    if (AGENT_STATUSES.has(reply.status)) this.agentAnswered = true;
    if (reply.status === 200 && (verb === 'step' || verb === 'copy')) this.slotsStarted = true;
    return reply;
  }

  /**
   * Whether a request begun at `since` has waited too long: the claim timeout, but once the
   * agent answers (so the pod proxy reaches it) and until a slot first takes something, at
   * least SLOTS_START_MS: the slots start in the background, as the job's first steps ask.
   */
  expired(since: number): boolean {
    const starting = this.agentAnswered && !this.slotsStarted;
    return Date.now() - since > (starting ? Math.max(this.settings.claimTimeoutMs, SLOTS_START_MS) : this.settings.claimTimeoutMs);
  }

  /** Drops a slot from the free ones (by name: another claim may have taken the first meanwhile). */
  private take(slot: string): boolean {
    const at = this.free.findIndex((s) => s.name === slot);
    if (at >= 0) this.free.splice(at, 1);
    return at >= 0;
  }

  private refill(pod: PodRef, containers: StepContainers): void {
    if (this.refilling) return;
    const names = Array.from({ length: REFILL_SLOTS }, (_, i) => `${SLOT_PREFIX}r${this.refills}-${i}`);
    this.refills++;
    this.refilling = containers
      .podSpec(pod)
      .then((spec) => {
        const template = spec.containers.find((c) => c.name.startsWith(SLOT_PREFIX));
        return containers.addContainers(pod, names.map((name) => ephemeralSlot(name, this.mainImage, template, spec.volumeMounts)));
      })
      // Behind the slots already free: those are started, these may not be yet.
      .then(() => void this.free.push(...names.map((name) => ({ name, logBytes: 0 }))))
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
 * run the job's steps one after another, plus the agent that hands steps to them. A step then
 * costs a short request through the API server and a log read, no container start: the kubelet
 * reports a new container only at its next relist (every second), which is what ephemeral
 * containers pay. A slot goes back in line after each step, so a job of sequential steps runs
 * them all in its first slot; the others are spares for processes that overlap and for slots
 * that are retired (see PodSlots.release), and more are added (ephemeral) when few are left.
 */
export class StepSlots {
  private readonly pods = new Map<string, PodSlots>();
  private readonly settings: Required<SlotSettings>;

  constructor(
    private readonly connection: KubeConnection,
    private readonly containers: StepContainers,
    settings: SlotSettings,
    /** How to reach a pod's agent (tests give a double). */
    private readonly agentOf: (pod: PodRef, port: number, key: Buffer) => Pick<AgentClient, 'post'> = (pod, port, key) => new AgentClient(connection, pod, port, key),
  ) {
    this.settings = { maxInitialSlots: 1, maxLimitedSlots: 8, lowWater: 1, agentPort: 47_113, claimTimeoutMs: 30_000, ...settings };
  }

  /**
   * Adds the agent and the first slots to a job pod request, and remembers them for its steps.
   * The slots share the job container's limits (ContainerRequest.sharesJobLimits); a job with
   * limits gets all its slots now, since later ones could not hold them. The job does not wait
   * for them to start (ContainerRequest.startsInBackground): its first requests to the agent do.
   */
  plan(request: JobPodRequest, plan: PodPlan): JobPodRequest {
    const key = randomBytes(32);
    const main = request.main;
    const limits = describeLimits(stepContainerResources(jobContainerResources(request))?.limits);
    const count = limits ? Math.max(2, Math.min(plan.steps + 2, this.settings.maxLimitedSlots)) : Math.max(1, Math.min(plan.steps + 2, this.settings.maxInitialSlots));
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
      startsInBackground: true,
      ...(options ? { options } : {}),
    }));
    const agent: ContainerRequest = {
      name: AGENT_CONTAINER,
      image: this.settings.agentImage,
      env: {},
      secretEnv: { KACT_AGENT_KEY: AGENT_KEY_SECRET },
      entrypoint: ['node', '-e', AGENT_SCRIPT, String(port), POD_SLOTS, `${POD_PATHS.runtime}/steps`, POD_BUSYBOX, STOP_SCRIPT],
      keepAlive: false,
      startsInBackground: true,
    };
    const client = this.agentOf({ name: request.name, namespace: this.connection.namespace }, port, key);
    this.pods.set(request.name, new PodSlots(client, names, main.image, this.settings, limits));
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
    const since = Date.now();
    for (;;) {
      // Any slot the pod was created with tells the agent whose files these become.
      const reply = await slots.post('copy', `${SLOT_PREFIX}0`, { target, archive: archive.toString('base64') });
      if (reply.status === 200) return;
      if (reply.status === 500) throw new InfrastructureError(`copying into ${pod.name}:${target}: ${reply.text}`);
      if (reply.status === 403 || reply.status === 401 || reply.status === 404 || slots.expired(since)) {
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
      reply = await slots.post('stop', slot, { container: containerId, grace: graceSeconds });
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
