import type { V1EphemeralContainer } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { JobPodRequest } from '@kact/core';
import { buildJobPod, type JobPodSpec, type KubeConnection, type StepContainerResult, type StepContainers } from '@kact/kubernetes';
import type { AgentReply } from './agent-client.js';
import { AGENT_CONTAINER, AGENT_KEY_SECRET, MAX_SLOT_LOG_BYTES, SlotsUnavailable, StepSlots } from './step-slots.js';

// Planning is pure: nothing here talks to a cluster.
const connection = { namespace: 'ci' } as KubeConnection;
const slots = () => new StepSlots(connection, {} as StepContainers, { agentImage: 'tools:1' });

const request = (extra: Partial<JobPodRequest> = {}): JobPodRequest => ({
  runId: 'r1',
  name: 'kact-r1-build',
  labels: {},
  main: { name: 'job', image: 'node:20', env: { CI: 'true' }, keepAlive: true, options: '--user 1001:1001 --memory 512m --cpus 1 --cap-add NET_ADMIN' },
  services: [{ id: 'web', ports: [{ published: 47113, container: 47113 }], container: { name: 'svc-web', image: 'nginx', env: {}, ports: [47113], keepAlive: false } }],
  extra: [],
  secrets: { TOKEN: 's3cret' },
  ...extra,
});

describe('step slots: what the strategy adds to a job pod', () => {
  const unlimited = (extra: Partial<JobPodRequest> = {}) => request({ main: { name: 'job', image: 'node:20', env: {}, keepAlive: true, options: '--user 1001:1001' }, ...extra });

  it("adds the agent and one slot in the job's image (it takes one step after another: each more slot is a container the pod's start waits for)", () => {
    const planned = slots().plan(unlimited(), { steps: 30 });
    expect(planned.extra.map((c) => c.name)).toEqual([AGENT_CONTAINER, 'kact-slot-0']);
    expect(planned.extra.slice(1).every((c) => c.image === 'node:20' && !c.keepAlive)).toBe(true);
    expect(slots().plan(unlimited(), { steps: 0 }).extra).toHaveLength(1 + 1);
    // More when asked for: the job's steps + 2 at most.
    const more = new StepSlots(connection, {} as StepContainers, { agentImage: 'tools:1', maxInitialSlots: 4 });
    expect(more.plan(unlimited(), { steps: 1 }).extra).toHaveLength(1 + 3);
  });

  it("holds every slot to the job container's memory and CPU limits, requesting them once (the job container's)", () => {
    const pod = buildJobPod(slots().plan(request(), { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' }).pod;
    const slotsOf = pod.spec!.containers.filter((c) => c.name.startsWith('kact-slot-'));
    expect(slotsOf).toHaveLength(3);
    for (const slot of slotsOf) {
      expect(slot.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, capabilities: { add: ['NET_ADMIN'] } });
      // An explicit 0: without a request Kubernetes requests the limit, once per slot.
      expect(slot.resources).toEqual({ limits: { memory: '512Mi', cpu: '1000m' }, requests: { memory: '0', cpu: '0' } });
    }
    // The job container keeps its limits; it requests them (no request given: the limit).
    expect(pod.spec!.containers.find((c) => c.name === 'job')!.resources).toEqual({ limits: { memory: '512Mi', cpu: '1000m' } });
    // The agent runs no step: it is held to nothing of the job's.
    expect(pod.spec!.containers.find((c) => c.name === AGENT_CONTAINER)!.resources).toBeUndefined();
  });

  it("holds slots to the runner class's limits too, but leaves its requests and devices to the job container", () => {
    const placement = { resources: { requests: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '8Gi', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': '1' } } };
    const pod = buildJobPod(slots().plan(unlimited({ placement }), { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' }).pod;
    const slot = pod.spec!.containers.find((c) => c.name === 'kact-slot-0')!;
    // A GPU cannot be shared: a slot that asked for one would hold a device of its own.
    expect(slot.resources).toEqual({ limits: { memory: '8Gi', 'ephemeral-storage': '10Gi' }, requests: { memory: '0', 'ephemeral-storage': '0' } });
    expect(pod.spec!.containers.find((c) => c.name === 'job')!.resources).toEqual(placement.resources);
    // --memory of container.options wins over the class's limit, as for the job container.
    const both = buildJobPod(slots().plan({ ...request(), placement }, { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' }).pod;
    expect(both.spec!.containers.find((c) => c.name === 'kact-slot-0')!.resources?.limits).toEqual({ memory: '512Mi', cpu: '1000m', 'ephemeral-storage': '10Gi' });
  });

  it('gives a job with limits all its slots with the pod (its steps + 2, at most 8): later ones could not hold the limits', () => {
    expect(slots().plan(request(), { steps: 3 }).extra).toHaveLength(1 + 5);
    expect(slots().plan(request(), { steps: 40 }).extra).toHaveLength(1 + 8);
    expect(slots().plan(request(), { steps: 0 }).extra).toHaveLength(1 + 2);
  });

  it('an unlimited job gets slots without resources', () => {
    const pod = buildJobPod(slots().plan(unlimited(), { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' }).pod;
    expect(pod.spec!.containers.filter((c) => c.name.startsWith('kact-slot-')).every((c) => c.resources === undefined)).toBe(true);
  });

  it('keeps the agent key in the job Secret only, and the agent off the ports services use', () => {
    const resources = buildJobPod(slots().plan(request(), { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' });
    const secret = resources.objects.find((o) => o.kind === 'Secret') as { stringData: Record<string, string> } | undefined;
    const key = secret!.stringData[AGENT_KEY_SECRET]!;
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const text = JSON.stringify([resources.pod, resources.objects.filter((o) => o.kind !== 'Secret')]);
    expect(text).not.toContain(key);
    const agent = resources.pod.spec!.containers.find((c) => c.name === AGENT_CONTAINER)!;
    expect(agent.env).toEqual([{ name: 'KACT_AGENT_KEY', valueFrom: { secretKeyRef: { name: 'kact-r1-build-secrets', key: AGENT_KEY_SECRET, optional: true } } }]);
    // The service listens on 47113, the agent's default: it takes the next port.
    expect(agent.command?.[3]).toBe('47114');
    // A new key for every job.
    expect(slots().plan(request(), { steps: 1 }).secrets[AGENT_KEY_SECRET]).not.toBe(key);
  });
});

/** A pod's slots with an agent double (`answer` decides each reply) and containers that record what is added. */
function podSlots(job: JobPodRequest, steps: number, answer: (verb: string, slot: string, payload: unknown) => number = () => 200, claimTimeoutMs = 5000) {
  const posts: Array<{ verb: string; slot: string }> = [];
  const added: string[] = [];
  const spec: JobPodSpec = { uid: 'u1', labels: {}, shareProcessNamespace: true, containers: [{ name: 'kact-slot-0', image: 'node:20' }], volumeMounts: [] };
  const containers = {
    podSpec: async () => spec,
    addContainers: async (_pod: unknown, list: V1EphemeralContainer[]) => void added.push(...list.map((c) => c.name)),
  } as unknown as StepContainers;
  const agent = {
    post: async (verb: string, slot: string, payload: unknown): Promise<AgentReply> => {
      posts.push({ verb, slot });
      return { status: answer(verb, slot, payload), text: '' };
    },
  };
  // Three slots and a refill below two: the pool's rules, not its defaults, are under test here.
  const stepSlots = new StepSlots(connection, containers, { agentImage: 'tools:1', claimTimeoutMs, maxInitialSlots: 3, lowWater: 2 }, () => agent);
  const planned = stepSlots.plan(job, { steps });
  const pod = { name: planned.name, namespace: 'ci' };
  const slots = stepSlots.of(pod)!;
  return { slots, posts, added, claim: () => slots.claim(pod, containers, { dir: 'x' }, new AbortController().signal) };
}

/** The result of a followed step: by default ended by its trailer, the log `logBytes` long. */
const ended = (logBytes: number, extra: Partial<StepContainerResult> = {}): StepContainerResult => ({ exitCode: 0, reason: 'log', timedOut: false, cancelled: false, oomKilled: false, logBytes, ...extra });

describe('step slots: one slot takes a job\'s steps one after another', () => {
  const unlimited = () => request({ main: { name: 'job', image: 'node:20', env: {}, keepAlive: true }, services: [] });

  it('gives the same warm slot every sequential step, each reading its log from where the last ended, and adds none', async () => {
    const { claim, slots, added } = podSlots(unlimited(), 30);
    let logBytes = 0;
    for (let step = 0; step < 30; step++) {
      const slot = await claim();
      expect(slot).toEqual({ name: 'kact-slot-0', fromByte: logBytes });
      logBytes += 100;
      slots.release(slot, ended(logBytes));
    }
    expect(added).toEqual([]);
  });

  it('a step that overlaps another gets the next slot', async () => {
    const { claim } = podSlots(unlimited(), 3);
    expect((await claim()).name).toBe('kact-slot-0');
    expect((await claim()).name).toBe('kact-slot-1');
  });

  it("retires a slot that was stopped, ended, or whose log grew past the bound; the wrapper's own step timeout leaves it in line", async () => {
    const { claim, slots } = podSlots(unlimited(), 30);
    const release = async (result: StepContainerResult) => {
      const slot = await claim();
      slots.release(slot, result);
      return slot.name;
    };
    // The trailer said the step timed out, but the follow did not stop the slot: healthy.
    expect(await release(ended(10, { exitCode: 130 }))).toBe('kact-slot-0');
    expect(await release(ended(20, { cancelled: true, exitCode: 130 }))).toBe('kact-slot-0');
    expect(await release(ended(20, { timedOut: true }))).toBe('kact-slot-1');
    expect(await release(ended(0, { reason: 'Error', exitCode: 94 }))).toBe('kact-slot-2');
    expect((await claim()).name).toMatch(/^kact-slot-r0-/);
  });

  it('retires a slot whose log has grown past MAX_SLOT_LOG_BYTES: each step on it would re-read that much, and the kubelet rotates logs', async () => {
    const { claim, slots } = podSlots(unlimited(), 30);
    const first = await claim();
    slots.release(first, ended(MAX_SLOT_LOG_BYTES));
    const again = await claim();
    expect(again).toEqual({ name: 'kact-slot-0', fromByte: MAX_SLOT_LOG_BYTES });
    slots.release(again, ended(MAX_SLOT_LOG_BYTES + 1));
    expect((await claim()).name).toBe('kact-slot-1');
  });

  it('adds a handful of ephemeral slots once fewer than 2 are free, behind the ones that are', async () => {
    const { claim, added } = podSlots(unlimited(), 30);
    await claim();
    expect(added).toEqual([]);
    await claim();
    // One left free: more are added in the background.
    await claim();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(added).toEqual(['kact-slot-r0-0', 'kact-slot-r0-1', 'kact-slot-r0-2']);
    expect((await claim()).name).toBe('kact-slot-r0-0');
  });

  it('drops a slot that has ended (410) and tries another first while one is not waiting (409)', async () => {
    const { claim, posts } = podSlots(unlimited(), 30, (verb, slot) => (slot === 'kact-slot-0' ? 410 : slot === 'kact-slot-1' ? 409 : 200));
    expect((await claim()).name).toBe('kact-slot-2');
    expect(posts.filter((p) => p.slot === 'kact-slot-0')).toHaveLength(1);
    expect(posts.filter((p) => p.slot === 'kact-slot-1').length).toBeGreaterThanOrEqual(1);
  });

  it('a job with limits gets no slots later: once those it has are retired, its processes are refused', async () => {
    const { claim, slots, added } = podSlots(request(), 0);
    for (let i = 0; i < 2; i++) slots.release(await claim(), ended(0, { cancelled: true }));
    await expect(claim()).rejects.toThrow(SlotsUnavailable);
    await expect(claim()).rejects.toThrow('all 2 step slots of pod kact-r1-build are used');
    expect(added).toEqual([]);
  });

  it('starts the agent and the slots in the background: the first claim waits past the claim timeout for the slots to start, not for an agent that never answers', async () => {
    const planned = slots().plan(unlimited(), { steps: 3 });
    expect(planned.extra.every((c) => c.startsInBackground)).toBe(true);
    let starting = 8;
    const { claim } = podSlots(unlimited(), 3, () => (starting-- > 0 ? 409 : 200), 50);
    expect((await claim()).name).toMatch(/^kact-slot-/);
    // Started: a slot that does not take a step is given the claim timeout only.
    starting = Infinity;
    await expect(claim()).rejects.toThrow(/no step slot of pod kact-r1-build took the step within \d+ s \(last: HTTP 409/);
    // No answer at all (the pod proxy cannot reach the agent): the claim timeout too.
    const unreachable = podSlots(unlimited(), 3, () => 503, 50);
    await expect(unreachable.claim()).rejects.toThrow(/\(last: HTTP 503/);
  });

  it("asks the agent whether a step has recorded its exit: only its 200 is a yes", async () => {
    const answers = [200, 202, 0, 502];
    const { slots } = podSlots(unlimited(), 1, () => answers.shift()!);
    expect(await slots.finished('kact-slot-0', '/d')).toBe(true);
    for (let i = 0; i < 3; i++) expect(await slots.finished('kact-slot-0', '/d')).toBe(false);
  });
});
