import { randomBytes } from 'node:crypto';
import { NodeV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest, RunnerSelection } from '@kact/core';
import { clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, listJobObjects, PodStartError, type KubeConnection } from '@kact/kubernetes';
import { parseRunnerClasses, RunnerClassContainers } from '../src/index.js';

const cluster = await clusterForTests('runner-classes cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;

/** A job pod request as the job runner makes one: the image and placement of the leg's selection. */
function request(name: string, selection: RunnerSelection): JobPodRequest {
  return {
    runId,
    name: `kact-${runId}-${name}`,
    labels: { [LABELS.job]: name },
    main: { name: 'runner', image: selection.image, env: { FROM: 'class' }, keepAlive: true },
    services: [],
    extra: [],
    secrets: { token: 'tok' },
    ...(selection.placement ? { placement: selection.placement } : {}),
  };
}

/** A job pod's pod (unless being deleted), ConfigMaps and Secrets still there. */
const leftovers = (connection: KubeConnection, podName: string) => listJobObjects(connection, `${LABELS.runId}=${runId},${LABELS.pod}=${podName}`);

describe.skipIf(!cluster)('runner classes on the local cluster', () => {
  const connection = cluster!;
  const { core, namespace } = connection;
  const nodes = connection.config.makeApiClient(NodeV1Api);
  const transport = new KubeExecTransport(connection);
  const backend = new KubernetesJobBackend(connection, transport, { startTimeoutMs: 60_000 });
  const serviceAccount = `kact-${runId}-runner`;
  // containerd's default handler, under a name of the test's own: proves runtimeClassName reaches the pod.
  const runtimeClass = `kact-${runId}-runc`;
  const started: JobPod[] = [];
  const signal = new AbortController().signal;
  const exec = async (pod: JobPod, script: string) => {
    let out = '';
    const r = await transport.exec(pod, 'runner', ['bash', '-c', script], { onStdout: (c) => (out += c.toString()), onStderr: (c) => (out += c.toString()) });
    return { code: r.exitCode, out };
  };

  beforeAll(async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount, labels: { [LABELS.runId]: runId } } } });
    await nodes.createRuntimeClass({ body: { metadata: { name: runtimeClass, labels: { [LABELS.runId]: runId } }, handler: 'runc' } });
  }, 30_000);

  afterAll(async () => {
    for (const pod of started) await backend.stopJob(pod);
    await backend.gc((id) => id !== runId);
    await core.deleteNamespacedServiceAccount({ name: serviceAccount, namespace }).catch(() => undefined);
    await nodes.deleteRuntimeClass({ name: runtimeClass }).catch(() => undefined);
  }, 60_000);

  it("starts a leg's pod where and with what its class says", async () => {
    const classes = parseRunnerClasses({
      'k8s-linux': {
        image: 'kact.local/runner:trixie',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'kact.dev/dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' }],
        resources: { requests: { cpu: '100m' }, limits: { memory: '256Mi' } },
        runtimeClassName: runtimeClass,
        serviceAccount,
      },
    });
    const selection = new RunnerClassContainers(classes).select(['self-hosted', 'K8S-Linux'])!;
    const t0 = Date.now();
    const pod = await backend.startJob(request('placed', selection), signal);
    started.push(pod);
    console.log(`job pod of a runner class running after ${Date.now() - t0} ms`);

    const read = await core.readNamespacedPod({ name: pod.name, namespace });
    const spec = read.spec!;
    expect(read.status?.phase).toBe('Running');
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec.tolerations).toContainEqual({ key: 'kact.dev/dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' });
    expect(spec.serviceAccountName).toBe(serviceAccount);
    expect(spec.runtimeClassName).toBe(runtimeClass);
    // The API server defaults a request to its limit (requests.memory here): the class's values are there.
    expect(spec.containers.find((c) => c.name === 'runner')!.resources).toMatchObject({ requests: { cpu: '100m' }, limits: { memory: '256Mi' } });

    // It runs, as the class's service account (its token is mounted), under the class's memory limit.
    expect(await exec(pod, 'echo "$FROM" && cat /var/run/secrets/kubernetes.io/serviceaccount/namespace')).toEqual({ code: 0, out: `class\n${namespace}` });
    const limit = await exec(pod, 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
    expect(limit).toEqual({ code: 0, out: `${256 * 1024 * 1024}\n` });
    expect(await endTestJob(connection, backend, pod, runId)).toEqual([]);
  }, 90_000);

  it('fails the start of a class no node matches, naming why, and leaves nothing behind', async () => {
    const selection = new RunnerClassContainers({ nowhere: { image: 'kact.local/runner:trixie', nodeSelector: { 'kact.dev/pool': `none-${runId}` } } }).select(['nowhere'])!;
    const t0 = Date.now();
    const req = request('nowhere', selection);
    const error = await backend.startJob(req, signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    console.log(`unschedulable class reported after ${Date.now() - t0} ms: ${(error as Error | undefined)?.message}`);
    expect(error).toBeInstanceOf(PodStartError);
    expect((error as Error).message).toMatch(new RegExp(`^job pod kact-${runId}-nowhere: pod cannot be scheduled: .*didn't match Pod's node affinity/selector`));
    expect(await leftovers(connection, req.name)).toEqual([]);
  }, 90_000);
});
