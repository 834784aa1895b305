// PodServiceNetworking on the test cluster: two services on the same container port (80), remapped
// to 8080 and 8081, each its own pod behind a ClusterIP Service, reached from a third pod by id.
// Needs ClusterIP routing (kube-local runs kube-proxy). Skipped, with the reason printed, when no
// cluster answers.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceJob, ServiceRequest, ServicesStarted } from '@kact/core';
import { clusterForTests, LABELS } from '@kact/kubernetes';
import { PodServiceNetworking } from './pod-service-networking.js';
import { SERVICE_LABELS } from './service-objects.js';

const connection = await clusterForTests('services-pods cluster test');
const RUNNER = 'kact.local/runner:trixie';
const runId = `it-${randomBytes(4).toString('hex')}`;

/** A web server on container port 80 answering `content` at /, healthy once it answers. */
function web(id: string, published: number, content: string): ServiceRequest {
  return {
    id,
    ports: [{ published, container: 80 }],
    container: {
      name: `svc-${id}`,
      image: RUNNER,
      env: { CONTENT: content },
      entrypoint: ['bash', '-c', 'mkdir -p /srv && printf "%s\\n" "$CONTENT" > /srv/index.html && cd /srv && exec python3 -m http.server 80'],
      ports: [80],
      keepAlive: false,
      options: '--health-cmd "curl -fsS -o /dev/null http://127.0.0.1:80/" --health-interval 1s --health-retries 20',
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!connection)('PodServiceNetworking on the cluster', () => {
  const conn = connection!;
  const { core, namespace } = conn;
  const networking = new PodServiceNetworking(conn, { startTimeoutMs: 60_000 });
  const job: ServiceJob = {
    runId,
    podName: `kact-${runId}-svc`,
    namespace,
    labels: { [LABELS.runId]: runId, [LABELS.managedBy]: 'kact', [LABELS.job]: 'services-pods' },
  };
  const clientPod = `kact-${runId}-client`;
  const leftovers = async () => {
    const labelSelector = `${LABELS.runId}=${runId}`;
    const [pods, services] = await Promise.all([core.listNamespacedPod({ namespace, labelSelector }), core.listNamespacedService({ namespace, labelSelector })]);
    return [...pods.items.map((p) => `pod/${p.metadata!.name}`), ...services.items.map((s) => `service/${s.metadata!.name}`)];
  };

  afterAll(async () => {
    await networking.stop(job).catch(() => undefined);
    await core.deleteNamespacedPod({ namespace, name: clientPod, gracePeriodSeconds: 0 }).catch(() => undefined);
  });

  it('two services on container port 80 answer on 8080 and 8081 from a third pod; stop leaves nothing', async () => {
    const t0 = performance.now();
    const started: ServicesStarted = await networking.start(job, [web('alpha', 8080, 'content of alpha'), web('beta', 8081, 'content of beta')], new AbortController().signal);
    console.log(`two service pods + Services ready in ${Math.round(performance.now() - t0)} ms`);

    expect(started.inPod).toEqual([]);
    expect(started.warnings).toEqual([]);
    const alpha = started.endpoints['alpha']!;
    const beta = started.endpoints['beta']!;
    expect(alpha).toMatchObject({ container: `${job.podName}-svc-alpha`, ports: { '80': '8080' } });
    expect(beta).toMatchObject({ container: `${job.podName}-svc-beta`, ports: { '80': '8081' } });
    const services = await Promise.all(['alpha', 'beta'].map((id) => core.readNamespacedService({ namespace, name: `${job.podName}-svc-${id}` })));
    expect(alpha.host).toBe(services[0]!.spec!.clusterIP);
    expect(beta.host).toBe(services[1]!.spec!.clusterIP);
    expect(started.hostAliases).toEqual([
      { ip: alpha.host, hostnames: ['alpha'] },
      { ip: beta.host, hostnames: ['beta'] },
    ]);

    // The job pod's view: the ids resolve through hostAliases, the ClusterIPs route through kube-proxy.
    const script = [
      'set -e',
      'curl -fsS --max-time 5 http://alpha:8080/',
      'curl -fsS --max-time 5 http://beta:8081/',
      `curl -fsS --max-time 5 http://${alpha.host}:8080/`,
      // The container port is not published on the ClusterIP: nothing answers there.
      'if curl -fsS --max-time 2 http://alpha:80/ 2>/dev/null; then echo "port 80 answered"; else echo "port 80 closed"; fi',
    ].join('\n');
    const t1 = performance.now();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: clientPod, labels: { [LABELS.runId]: runId, [LABELS.managedBy]: 'kact' } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 0,
          hostAliases: started.hostAliases,
          containers: [{ name: 'client', image: RUNNER, imagePullPolicy: 'IfNotPresent', command: ['bash', '-c', script] }],
        },
      },
    });
    const done = await until<V1Pod>('the client pod to finish', async () => {
      const pod = await core.readNamespacedPod({ namespace, name: clientPod });
      return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod : undefined;
    });
    const log = await core.readNamespacedPodLog({ namespace, name: clientPod, container: 'client' });
    console.log(`client pod create → curls done: ${Math.round(performance.now() - t1)} ms`);
    expect({ phase: done.status?.phase, log }).toEqual({ phase: 'Succeeded', log: 'content of alpha\ncontent of beta\ncontent of alpha\nport 80 closed\n' });

    await networking.stop(job);
    await networking.stop(job); // idempotent
    await core.deleteNamespacedPod({ namespace, name: clientPod, gracePeriodSeconds: 0 });
    expect(await until('every object of the run to be gone', async () => ((await leftovers()).length === 0 ? [] : undefined), 30_000)).toEqual([]);
  });

  it('rejects naming the service and its image when the image is missing, and leaves nothing behind', async () => {
    const failing: ServiceJob = { ...job, podName: `kact-${runId}-bad` };
    const missing: ServiceRequest = { id: 'ghost', ports: [{ published: 5432, container: 5432 }], container: { name: 'svc-ghost', image: 'kact.local/no-such-image:1', env: {}, ports: [5432], keepAlive: false } };
    const t0 = performance.now();
    const error = await networking.start(failing, [web('fine', 8080, 'fine'), missing], new AbortController().signal).then(
      () => undefined,
      (e: Error) => e,
    );
    console.log(`missing image reported in ${Math.round(performance.now() - t0)} ms: ${error?.message}`);
    expect(error?.message).toMatch(/^service ghost \(image kact\.local\/no-such-image:1\) did not start: /);
    const labelSelector = `${LABELS.pod}=${failing.podName},${SERVICE_LABELS.object}`;
    const [pods, services] = await Promise.all([core.listNamespacedPod({ namespace, labelSelector }), core.listNamespacedService({ namespace, labelSelector })]);
    expect([...pods.items, ...services.items].map((o) => o.metadata!.name)).toEqual([]);
  });

  it('stops starting when the signal is aborted, and cleans up', async () => {
    const aborted: ServiceJob = { ...job, podName: `kact-${runId}-abort` };
    const controller = new AbortController();
    const start = networking.start(aborted, [web('slow', 8080, 'slow')], controller.signal);
    setTimeout(() => controller.abort(), 300);
    await expect(start).rejects.toThrow(/^service slow \(image kact\.local\/runner:trixie\) did not start: .*cancelled/);
    const labelSelector = `${LABELS.pod}=${aborted.podName},${SERVICE_LABELS.object}`;
    const [pods, services] = await Promise.all([core.listNamespacedPod({ namespace, labelSelector }), core.listNamespacedService({ namespace, labelSelector })]);
    expect([...pods.items, ...services.items].map((o) => o.metadata!.name)).toEqual([]);
  });
});
