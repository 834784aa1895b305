import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1EphemeralContainer } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError, type JobPod, type JobPodRequest, type ProcessRequest } from '@kact/core';
import { buildJobPod, type JobPodSpec, type KubeConnection, type StepContainerResult, type StepContainers } from '@kact/kubernetes';
import { SidecarStepStrategy } from './sidecar-step-strategy.js';

// No cluster: the API server's pod proxy is a local server whose "agent" takes every step, and
// the step containers are a double that records where each process would run.

let proxy: http.Server;
let server: string;
beforeAll(async () => {
  proxy = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  server = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

const job = (options?: string): JobPodRequest => ({
  runId: 'r1',
  name: 'kact-r1-build',
  labels: {},
  main: { name: 'job', image: 'kact.local/runner:trixie', env: {}, keepAlive: true, ...(options ? { options } : {}) },
  services: [],
  extra: [],
  secrets: {},
});

const step: ProcessRequest = { container: 'job', command: ['bash', '-e', '{0}'], script: { content: 'echo hi', extension: '.sh' }, env: {}, workingDirectory: '/github/workspace', fileCommands: {} };

/** Starts a job as the job runner does (preparePod, then the pod as the backend builds it) and runs `processes` processes. */
async function runJob(options: string | undefined, settings: { slots?: boolean }, processes: number) {
  const where = { slots: [] as string[], ephemeral: [] as string[], added: [] as string[] };
  const connection = { server, namespace: 'ci', config: { applyToHTTPSOptions: async () => undefined } } as unknown as KubeConnection;
  let spec: JobPodSpec | undefined;
  const done: StepContainerResult = { exitCode: 137, reason: 'OOMKilled', timedOut: false, cancelled: false, oomKilled: true, logBytes: 0 };
  const containers = {
    podSpec: async () => spec!,
    followRunning: async (_pod: unknown, target: { name: string }) => (where.slots.push(target.name), done),
    run: async (_pod: unknown, container: { name: string }) => (where.ephemeral.push(container.name), done),
    addContainers: async (_pod: unknown, added: V1EphemeralContainer[]) => void where.added.push(...added.map((c) => c.name)),
  } as unknown as StepContainers;
  const strategy = new SidecarStepStrategy(containers, connection, settings);
  const request = strategy.preparePod(job(options), { steps: 0 });
  const built = buildJobPod(request, { namespace: 'ci', toolsImage: 'kact.local/runner:trixie' }).pod;
  spec = { uid: 'u1', labels: {}, shareProcessNamespace: true, containers: built.spec!.containers, volumeMounts: [] };
  const pod: JobPod = { name: request.name, namespace: 'ci', mainContainer: 'job', services: {} };
  const results: Array<{ exitCode: number } | Error> = [];
  for (let i = 0; i < processes; i++) {
    results.push(await strategy.runProcess(pod, step, () => undefined, new AbortController().signal).catch((error: Error) => error));
  }
  return { where, results };
}

describe('sidecar: a step never runs where the job container limits do not hold', () => {
  it('runs the processes of a job with --memory in its slots, and refuses one more rather than run it in an ephemeral container', async () => {
    const { where, results } = await runJob('--memory 64m', {}, 3);
    expect(where.slots).toEqual(['kact-slot-0', 'kact-slot-1']);
    expect(where.added).toEqual([]);
    expect(where.ephemeral).toEqual([]);
    const refused = results[2] as Error;
    expect(refused).toBeInstanceOf(InfrastructureError);
    expect(refused.message).toContain('all 2 step slots of pod kact-r1-build are used');
    expect(refused.message).toContain('escape the limits the job container has (memory 64Mi)');
    expect(refused.message).toContain('--strategy exec');
  });

  it('without limits, the same job gets more slots (ephemeral containers) and runs every process', async () => {
    const { where, results } = await runJob(undefined, {}, 3);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    expect(where.added.length).toBeGreaterThan(0);
    expect(where.slots).toHaveLength(3);
  });

  it('refuses every process of a job with --cpus when slots are off, and runs them in ephemeral containers without limits', async () => {
    const limited = await runJob('--cpus 0.5', { slots: false }, 1);
    expect(limited.where.ephemeral).toEqual([]);
    expect((limited.results[0] as Error).message).toMatch(/^sidecar strategy: step slots are off\. .*\(cpu 500m\)/);
    const free = await runJob('--user 1000', { slots: false }, 1);
    expect(free.where.ephemeral).toHaveLength(1);
    expect(free.results[0]).toMatchObject({ exitCode: 137, killedBy: 'oom' });
  });
});
