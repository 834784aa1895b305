// PodServiceNetworking on the test cluster: two services on the same container port (80), remapped
// to 8080 and 8081, each its own pod behind a ClusterIP Service, reached from a third pod by id;
// and a job pod started through the Kubernetes backend that reaches its services at
// localhost:<published port> through the forwarder, as a job on a GitHub runner does.
// Needs ClusterIP routing (kube-local runs kube-proxy). Skipped, with the reason printed, when no
// cluster answers.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest, ServiceJob, ServiceRequest, ServicesStarted } from '@kact/core';
import { clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, TOOLS_CONTAINER } from '@kact/kubernetes';
import { FORWARD_CONTAINER } from './localhost-forward.js';
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

    expect(started.warnings).toEqual([]);
    const alpha = started.endpoints['alpha']!;
    const beta = started.endpoints['beta']!;
    // Only the localhost forwarder joins the job pod: 8080 and 8081 to the two ClusterIPs.
    expect(started.inPod.map((s) => [s.container.name, s.container.args])).toEqual([[FORWARD_CONTAINER, [`8080=${alpha.host}:8080`, `8081=${beta.host}:8081`]]]);
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
    // A pod without kact's forwarder may connect before kube-proxy has synced the new Services'
    // rules (a busy node takes seconds): it retries, as the forwarder's readiness check does.
    const curl = 'curl -fsS --max-time 5 --retry 20 --retry-delay 1 --retry-connrefused';
    const script = [
      'set -e',
      `${curl} http://alpha:8080/`,
      `${curl} http://beta:8081/`,
      `${curl} http://${alpha.host}:8080/`,
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

describe.skipIf(!connection)('a job pod with services as pods, on the cluster', () => {
  const conn = connection!;
  const transport = new KubeExecTransport(conn);
  const warnings: string[] = [];
  const backend = new KubernetesJobBackend(conn, transport, { services: new PodServiceNetworking(conn, { startTimeoutMs: 60_000 }), startTimeoutMs: 60_000, warn: (w) => warnings.push(w) });
  // The same job with kact's default ServiceNetworking (every service a container of the job pod), for the start time.
  const inPodBackend = new KubernetesJobBackend(conn, transport, { startTimeoutMs: 60_000 });
  const pods: Array<{ backend: KubernetesJobBackend; pod: JobPod }> = [];
  const redis: ServiceRequest = {
    id: 'redis',
    ports: [{ published: 6379, container: 6379 }],
    container: { name: 'svc-redis', image: 'redis:7', env: {}, ports: [6379], keepAlive: false, options: '--health-cmd "redis-cli ping" --health-interval 1s --health-retries 20' },
  };
  const request = (name: string): JobPodRequest => ({
    runId,
    name: `kact-${runId}-${name}`,
    labels: { [LABELS.job]: name },
    main: { name: 'runner', image: RUNNER, env: {}, keepAlive: true },
    services: [redis, web('web', 8080, 'content of web')],
    extra: [],
    secrets: {},
  });
  const exec = async (pod: JobPod, script: string) => {
    let out = '';
    const result = await transport.exec(pod, 'runner', ['bash', '-c', script], { onStdout: (c) => (out += c.toString()), onStderr: (c) => (out += c.toString()) });
    return { code: result.exitCode, out };
  };

  afterAll(async () => {
    await Promise.all(pods.map(({ backend: b, pod }) => b.stopJob(pod).catch(() => undefined)));
  }, 60_000);

  it('reaches redis at localhost:6379 and the web server at localhost:8080 from the job, and both by id', async () => {
    const t0 = performance.now();
    const pod = await backend.startJob(request('fwd'), new AbortController().signal);
    const podsMs = Math.round(performance.now() - t0);
    pods.push({ backend, pod });

    const [redisService, webService] = await Promise.all(['redis', 'web'].map((id) => conn.core.readNamespacedService({ namespace: conn.namespace, name: `${pod.name}-svc-${id}` })));
    expect(pod.services).toEqual({
      redis: { container: `${pod.name}-svc-redis`, host: redisService!.spec!.clusterIP, ports: { '6379': '6379' } },
      web: { container: `${pod.name}-svc-web`, host: webService!.spec!.clusterIP, ports: { '80': '8080' } },
    });
    expect(warnings).toEqual([]);
    const spec = (await conn.core.readNamespacedPod({ namespace: conn.namespace, name: pod.name })).spec!;
    // No service container in the job pod: kact's tools, the job's, and the forwarder.
    expect(spec.containers.map((c) => c.name)).toEqual([TOOLS_CONTAINER, 'runner', FORWARD_CONTAINER]);
    expect(spec.containers[2]!.args).toEqual([`6379=${redisService!.spec!.clusterIP}:6379`, `8080=${webService!.spec!.clusterIP}:8080`]);

    // No retries: the job started once the forwarder listened (its health check), and the services were ready.
    const script = [
      'set -e',
      'ping() { exec 3<>"/dev/tcp/$1/$2"; printf "PING\\r\\n" >&3; head -c 7 <&3; exec 3<&-; }',
      'ping localhost 6379',
      'curl -fsS --max-time 5 http://localhost:8080/',
      'ping redis 6379',
      'curl -fsS --max-time 5 http://web:8080/',
      // /etc/hosts maps localhost to ::1 as well: the forwarder listens there too when the pod has IPv6.
      'if [ -s /proc/net/if_inet6 ]; then curl -fsS --max-time 5 -g "http://[::1]:8080/" >/dev/null; fi',
      'echo done',
    ].join('\n');
    expect(await exec(pod, script)).toEqual({ code: 0, out: '+PONG\r\ncontent of web\n+PONG\r\ncontent of web\ndone\n' });

    // The same job with its services in the job pod, for comparison.
    const t1 = performance.now();
    const inPod = await inPodBackend.startJob(request('inpod'), new AbortController().signal);
    const inPodMs = Math.round(performance.now() - t1);
    pods.push({ backend: inPodBackend, pod: inPod });
    expect(await exec(inPod, 'exec 3<>/dev/tcp/localhost/6379; printf "PING\\r\\n" >&3; head -c 7 <&3')).toEqual({ code: 0, out: '+PONG\r\n' });
    console.log(`job start with redis + web: services as pods ${podsMs} ms, in the job pod ${inPodMs} ms`);

    expect(await endTestJob(conn, backend, pod, runId)).toEqual([]);
    expect(await endTestJob(conn, inPodBackend, inPod, runId)).toEqual([]);
    const labelSelector = `${LABELS.pod}=${pod.name},${SERVICE_LABELS.object}`;
    const [servicePods, services] = await Promise.all([conn.core.listNamespacedPod({ namespace: conn.namespace, labelSelector }), conn.core.listNamespacedService({ namespace: conn.namespace, labelSelector })]);
    expect([...servicePods.items, ...services.items].map((o) => o.metadata!.name)).toEqual([]);
  });
});
