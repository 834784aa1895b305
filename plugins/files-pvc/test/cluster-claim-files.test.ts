import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest } from '@kact/core';
import { clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, type KubeConnection } from '@kact/kubernetes';
import { ClaimFiles } from '../src/index.js';

const cluster = await clusterForTests('files-pvc cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;

function request(name: string): JobPodRequest {
  return {
    runId,
    name: `kact-${runId}-${name}`,
    labels: { [LABELS.job]: name },
    main: { name: 'runner', image: 'kact.local/runner:trixie', env: {}, keepAlive: true },
    services: [],
    extra: [],
    secrets: {},
  };
}

/**
 * A claim bound to a hostPath PersistentVolume in a fresh folder of this host (the cluster has no
 * provisioner); `remove` deletes claim, volume and folder, waiting until the cluster let them go.
 */
async function hostPathClaim(connection: KubeConnection, use: string): Promise<{ claim: string; remove: () => Promise<void> }> {
  const { core, namespace } = connection;
  const folder = await mkdtemp('/var/tmp/kact-pv-');
  await chmod(folder, 0o777);
  const name = `kact-pv-${runId}-${use}`;
  await core.createPersistentVolume({
    body: {
      metadata: { name, labels: { [LABELS.runId]: runId } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        hostPath: { path: folder, type: 'DirectoryOrCreate' },
      },
    },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name, labels: { [LABELS.runId]: runId } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: name, resources: { requests: { storage: '1Gi' } } },
    },
  });
  // Bound by the controller-manager's volume binder, which may take a while on a busy cluster: a
  // pod of an unbound claim is unschedulable, and kact fails its start after a few seconds.
  await until(async () => (await core.readNamespacedPersistentVolumeClaim({ name, namespace })).status?.phase === 'Bound', 60_000, `claim ${name} to be bound`);
  const remove = async () => {
    await core.deleteNamespacedPersistentVolumeClaim({ name, namespace }).catch(() => undefined);
    // The claim's protection finalizer holds it until no pod uses it any more.
    await until(async () => !(await exists(() => core.readNamespacedPersistentVolumeClaim({ name, namespace }))), 60_000, `claim ${name} to go`);
    await core.deletePersistentVolume({ name }).catch(() => undefined);
    await until(async () => !(await exists(() => core.readPersistentVolume({ name }))), 60_000, `volume ${name} to go`);
    await rm(folder, { recursive: true, force: true });
  };
  return { claim: name, remove };
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!cluster)('ClaimFiles on the local cluster', () => {
  const connection = cluster!;
  const transport = new KubeExecTransport(connection);
  let tools: Awaited<ReturnType<typeof hostPathClaim>> | undefined;
  let workspaces: Awaited<ReturnType<typeof hostPathClaim>> | undefined;
  const started: JobPod[] = [];
  const exec = async (pod: JobPod, script: string) => {
    let out = '';
    const r = await transport.exec(pod, 'runner', ['bash', '-c', script], { onStdout: (c) => (out += c.toString()), onStderr: (c) => (out += c.toString()) });
    return { code: r.exitCode, out };
  };
  const signal = new AbortController().signal;
  const t0 = Date.now();

  beforeAll(async () => {
    [tools, workspaces] = await Promise.all([hostPathClaim(connection, 'tools'), hostPathClaim(connection, 'ws')]);
    console.log(`two hostPath claims bound after ${Date.now() - t0} ms`);
  }, 90_000);

  afterAll(async () => {
    const backend = new KubernetesJobBackend(connection, transport);
    for (const pod of started) await backend.stopJob(pod);
    await backend.gc((id) => id !== runId);
    await Promise.all([tools?.remove(), workspaces?.remove()]);
  }, 150_000);

  it('keeps the tool cache from one job for the next', async () => {
    const backend = new KubernetesJobBackend(connection, transport, { volumes: new ClaimFiles({ toolCache: tools!.claim }), startTimeoutMs: 60_000 });

    const t0 = Date.now();
    const first = await backend.startJob(request('tools-1'), signal);
    started.push(first);
    console.log(`job pod with the tool cache on a claim running after ${Date.now() - t0} ms`);
    expect(await exec(first, 'mkdir -p /runner/tool-cache/node/20.0.0/x64 && echo installed > /runner/tool-cache/node/20.0.0/x64.complete && ls /runner/tool-cache')).toEqual({ code: 0, out: 'node\n' });
    // Everything else is still the pod's own.
    expect(await exec(first, 'echo mine > /runner/temp/t && echo mine > /github/workspace/w')).toEqual({ code: 0, out: '' });
    expect(await endTestJob(connection, backend, first, runId)).toEqual([]);

    const second = await backend.startJob(request('tools-2'), signal);
    started.push(second);
    expect(await exec(second, 'cat /runner/tool-cache/node/20.0.0/x64.complete && ls -A /runner/temp /github/workspace')).toEqual({
      code: 0,
      out: 'installed\n/github/workspace:\n\n/runner/temp:\n',
    });
    expect(await endTestJob(connection, backend, second, runId)).toEqual([]);
  }, 150_000);

  it('gives concurrent jobs their own workspace folder, kept on the claim after the job', async () => {
    const backend = new KubernetesJobBackend(connection, transport, { volumes: new ClaimFiles({ toolCache: tools!.claim, workspace: workspaces!.claim }), startTimeoutMs: 60_000 });
    const [a, b] = await Promise.all([backend.startJob(request('ws-a'), signal), backend.startJob(request('ws-b'), signal)]);
    started.push(a, b);
    expect(await exec(a, 'echo from-a > /github/workspace/a.txt')).toEqual({ code: 0, out: '' });
    expect(await exec(b, 'echo from-b > /github/workspace/b.txt')).toEqual({ code: 0, out: '' });
    expect(await exec(a, 'ls /github/workspace')).toEqual({ code: 0, out: 'a.txt\n' });
    expect(await exec(b, 'ls /github/workspace')).toEqual({ code: 0, out: 'b.txt\n' });
    await backend.stopJob(a);
    expect(await endTestJob(connection, backend, b, runId)).toEqual([]);

    // A later pod that mounts the workspace claim whole finds both folders, with their files.
    const look = new KubernetesJobBackend(connection, transport, { volumes: new ClaimFiles({ toolCache: workspaces!.claim }), startTimeoutMs: 60_000 });
    const after = await look.startJob(request('ws-look'), signal);
    started.push(after);
    expect(await exec(after, `cd /runner/tool-cache/${runId} && ls && cat ${a.name}/a.txt ${b.name}/b.txt`)).toEqual({ code: 0, out: `${a.name}\n${b.name}\nfrom-a\nfrom-b\n` });
    expect(await endTestJob(connection, look, after, runId)).toEqual([]);
  }, 150_000);

  it('fails the start, naming the claim, when the claim does not exist', async () => {
    const backend = new KubernetesJobBackend(connection, transport, { volumes: new ClaimFiles({ toolCache: `kact-missing-${runId}` }), startTimeoutMs: 60_000 });
    const t0 = Date.now();
    await expect(backend.startJob(request('no-claim'), signal)).rejects.toThrow(new RegExp(`kact-missing-${runId}.*not found`));
    console.log(`missing claim reported after ${Date.now() - t0} ms`);
    expect(await endTestJob(connection, backend, undefined, runId)).toEqual([]);
  }, 90_000);
});
