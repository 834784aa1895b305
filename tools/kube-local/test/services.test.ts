// kube-proxy in the local cluster: a ClusterIP Service (8080 → 80) in front of a pod on the node's
// bridge answers a second pod on the same bridge, and the pod behind it (hairpin); a port of the
// ClusterIP that no Service maps is refused. Through @kubernetes/client-node only. Skipped, with
// the reason printed, when the cluster is not up.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn, localClusterFor, podSpec, RUNNER, until } from './cluster.js';

const cluster = await localClusterFor('kube-local Service proof');

const namespace = `kube-local-svc-${randomBytes(4).toString('hex')}`;


describe.skipIf(!cluster)('kube-local: kube-proxy (ClusterIP Services)', () => {
  const { kc, core } = cluster ?? ({} as NonNullable<typeof cluster>);
  let clusterIP = '';

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'kact.dev/test': 'kube-local-proof' } } } });
    await until('the default ServiceAccount', async () =>
      core.readNamespacedServiceAccount({ namespace, name: 'default' }).then(() => true, () => undefined),
    );
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch((e: Error) => {
      console.warn(`deleting namespace ${namespace}: ${(e as Error).message}`);
    });
  });

  it('a pod reaches a ClusterIP Service (8080 → 80) whose endpoint is another pod on the same bridge', async () => {
    const t0 = performance.now();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: podSpec({ automountServiceAccountToken: false, enableServiceLinks: false,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'web',
              image: RUNNER,
              command: ['bash', '-c', 'mkdir -p /srv && echo "hello from $(uname -n)" > /srv/index.html && cd /srv && exec python3 -m http.server 80'],
              ports: [{ containerPort: 80 }],
              readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 },
            },
          ],
        }),
      },
    });
    const service = await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] } },
    });
    clusterIP = service.spec!.clusterIP!;
    expect(clusterIP).toMatch(/^198\.18\.1\.\d+$/);
    const web = await until('pod web Ready', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'web' });
      if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') throw new Error(`pod web ended: ${JSON.stringify(p.status)}`);
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    console.log(`web pod Ready behind ClusterIP ${clusterIP}:8080 after ${Math.round(performance.now() - t0)} ms`);

    const t1 = performance.now();
    // kube-proxy programs the Service's rule after the endpoint turns ready, asynchronously (on a
    // loaded node, seconds later): retried for 15 s, then the rule is missing.
    const script = `for i in $(seq 30); do curl -fsS --max-time 5 http://${clusterIP}:8080/ 2>/dev/null && exit 0; sleep 0.5; done; curl -fsS --max-time 5 http://${clusterIP}:8080/`;
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'client' }, spec: podSpec({ automountServiceAccountToken: false, enableServiceLinks: false, restartPolicy: 'Never', containers: [{ name: 'client', image: RUNNER, command: ['bash', '-c', script] }] }) },
    });
    const done = await until('pod client to finish', async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'client' });
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    });
    const log = await core.readNamespacedPodLog({ namespace, name: 'client', container: 'client' });
    console.log(`client pod create → curl through the ClusterIP done: ${Math.round(performance.now() - t1)} ms`);
    expect({ phase: done.status?.phase, log }).toEqual({ phase: 'Succeeded', log: 'hello from web\n' });
    expect(web.status?.podIP).toMatch(/^198\.18\.0\.\d+$/);
  });

  it('the pod behind the Service reaches itself through its ClusterIP (hairpin)', async () => {
    expect(clusterIP).not.toBe('');
    const r = await execIn(kc, namespace, 'web', 'web', ['curl', '-fsS', '--max-time', '5', `http://${clusterIP}:8080/`]);
    expect(r).toEqual({ stdout: 'hello from web\n', stderr: '', exitCode: 0 });
  });

  it('a ClusterIP port no Service maps is refused at once (not routed off the node)', async () => {
    expect(clusterIP).not.toBe('');
    const t0 = performance.now();
    const r = await execIn(kc, namespace, 'web', 'web', ['curl', '-sS', '--max-time', '5', `http://${clusterIP}:80/`]);
    const ms = Math.round(performance.now() - t0);
    console.log(`connection to the unmapped ${clusterIP}:80 refused after ${ms} ms (exec round-trip included)`);
    // 7: could not connect (refused); a packet routed off the node would time out (28) instead
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 7, stderr: expect.stringContaining(`${clusterIP} port 80`) });
  });
});
