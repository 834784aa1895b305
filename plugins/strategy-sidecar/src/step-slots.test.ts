import { describe, expect, it } from 'vitest';
import type { JobPodRequest } from '@kact/core';
import { buildJobPod, type KubeConnection, type StepContainers } from '@kact/kubernetes';
import { AGENT_CONTAINER, AGENT_KEY_SECRET, StepSlots } from './step-slots.js';

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

  it("adds the agent and the job's steps + 2 slots (at most 8), in the job's image", () => {
    const planned = slots().plan(unlimited(), { steps: 3 });
    expect(planned.extra.map((c) => c.name)).toEqual([AGENT_CONTAINER, 'kact-slot-0', 'kact-slot-1', 'kact-slot-2', 'kact-slot-3', 'kact-slot-4']);
    expect(planned.extra.slice(1).every((c) => c.image === 'node:20' && !c.keepAlive)).toBe(true);
    expect(slots().plan(unlimited(), { steps: 40 }).extra).toHaveLength(1 + 8);
    expect(slots().plan(unlimited(), { steps: 0 }).extra).toHaveLength(1 + 2);
  });

  it("holds every slot to the job container's memory and CPU limits, requesting them once (the job container's)", () => {
    const pod = buildJobPod(slots().plan(request(), { steps: 1 }), { namespace: 'ci', toolsImage: 'tools:1' }).pod;
    const slotsOf = pod.spec!.containers.filter((c) => c.name.startsWith('kact-slot-'));
    expect(slotsOf).toHaveLength(4);
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

  it('gives a job with limits all its slots with the pod (twice its steps + 2, at most 24): later ones could not hold the limits', () => {
    expect(slots().plan(request(), { steps: 3 }).extra).toHaveLength(1 + 8);
    expect(slots().plan(request(), { steps: 40 }).extra).toHaveLength(1 + 24);
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
