import { describe, expect, it } from 'vitest';
import { POD_PATHS, type JobPodRequest } from '@kact/core';
import { buildJobPod, labelValue, objectKey, POD_BUSYBOX } from './pod-builder.js';

const request = (): JobPodRequest => ({
  runId: 'run-1',
  name: 'kact-run-1-build',
  labels: { 'kact.dev/job': 'build', 'kact.dev/workflow': 'CI / main.yml' },
  main: { name: 'runner', image: 'kact.local/runner:trixie', env: { CI: 'true', QUOTED: `a "b" $(c)` }, secretEnv: { TOKEN: 'token' }, keepAlive: true, options: '--cpus 2 --network host' },
  services: [{ id: 'redis', container: { name: 'svc-redis', image: 'redis:7', env: { 'odd name': 'x' }, ports: [6379], keepAlive: false, args: ['redis-server', '--save', ''] } }],
  extra: [],
  secrets: { token: 's3cr3t' },
});

describe('buildJobPod', () => {
  const built = buildJobPod(request(), { namespace: 'ci', toolsImage: 'kact.local/runner:trixie' });
  const spec = built.pod.spec!;
  const [runner, redis] = spec.containers;

  it('labels every object with the run and job', () => {
    for (const obj of [built.pod, built.configMap, built.secret]) {
      expect(obj.metadata).toMatchObject({ namespace: 'ci', labels: { 'kact.dev/run-id': 'run-1', 'kact.dev/job': 'build', 'app.kubernetes.io/managed-by': 'kact', 'kact.dev/workflow': 'CI-main.yml' } });
    }
    expect([built.pod.metadata!.name, built.configMap.metadata!.name, built.secret.metadata!.name]).toEqual(['kact-run-1-build', 'kact-run-1-build-env', 'kact-run-1-build-secrets']);
  });

  it('sets the pod-level policies', () => {
    expect(spec).toMatchObject({ restartPolicy: 'Never', enableServiceLinks: false, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1 });
    expect(spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['redis'] }]);
  });

  it('mounts the same named volumes at the same paths in every container', () => {
    const paths = [POD_PATHS.workspace, POD_PATHS.temp, POD_PATHS.toolCache, POD_PATHS.home, POD_PATHS.runtime];
    for (const c of spec.containers) expect(c.volumeMounts!.map((m) => m.mountPath)).toEqual(paths);
    expect(spec.volumes!.every((v) => v.emptyDir)).toBe(true);
    expect(spec.initContainers![0]!.volumeMounts).toEqual([{ name: 'kact-runtime', mountPath: POD_PATHS.runtime }]);
  });

  it('mounts the tool cache from a PersistentVolumeClaim when one is named (--tool-cache-pvc)', () => {
    const withClaim = buildJobPod({ ...request(), toolCacheClaim: 'tool-cache' }, { namespace: 'ci', toolsImage: 'kact.local/runner:trixie' }).pod.spec!;
    expect(withClaim.volumes!.find((v) => v.persistentVolumeClaim)).toEqual({ name: 'kact-tool-cache', persistentVolumeClaim: { claimName: 'tool-cache' } });
    expect(withClaim.volumes!.filter((v) => v.emptyDir)).toHaveLength(4);
  });

  it('keeps keepAlive containers alive with the pod busybox, services keep their entrypoint', () => {
    expect(runner).toMatchObject({ command: [POD_BUSYBOX, 'sleep', '2147483647'], args: [], imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '2000m' } } });
    expect(redis!.command).toBeUndefined();
    expect(redis).toMatchObject({ args: ['redis-server', '--save', ''], ports: [{ containerPort: 6379, protocol: 'TCP' }] });
  });

  it('puts env values only in the ConfigMap and secrets only in the Secret', () => {
    expect(runner!.env).toEqual([
      { name: 'CI', valueFrom: { configMapKeyRef: { name: 'kact-run-1-build-env', key: 'runner.CI' } } },
      { name: 'QUOTED', valueFrom: { configMapKeyRef: { name: 'kact-run-1-build-env', key: 'runner.QUOTED' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'kact-run-1-build-secrets', key: 'token', optional: true } } },
    ]);
    expect(built.configMap.data).toEqual({ 'runner.CI': 'true', 'runner.QUOTED': `a "b" $(c)`, [objectKey('svc-redis.odd name')]: 'x' });
    expect(built.secret.stringData).toEqual({ token: 's3cr3t' });
    expect(JSON.stringify(built.pod)).not.toContain('s3cr3t');
    expect(JSON.stringify(built.pod)).not.toContain('$(c)');
  });

  it("turns a service's Docker health check into a readiness probe run with /bin/sh", () => {
    const withHealth = request();
    withHealth.services[0]!.container.options = '--health-cmd "redis-cli ping" --health-interval 5s --health-timeout 2s --health-retries 4 --health-start-period 10s';
    const service = buildJobPod(withHealth, { namespace: 'ci', toolsImage: 'tools' }).pod.spec!.containers[1]!;
    expect(service.readinessProbe).toEqual({ exec: { command: ['/bin/sh', '-c', 'redis-cli ping'] }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 6 });
    expect(redis!.readinessProbe).toBeUndefined();
  });

  it('reports options it cannot honour', () => {
    expect(built.warnings).toEqual(['runner: option --network is not supported on Kubernetes; ignored']);
  });

  it('adds a pull secret for registry credentials', () => {
    const r = { ...request(), imagePullCredentials: [{ server: 'ghcr.io', username: 'u', password: 'p' }] };
    const b = buildJobPod(r, { namespace: 'ci', toolsImage: 'x' });
    expect(b.pod.spec!.imagePullSecrets).toEqual([{ name: 'kact-run-1-build-pull' }]);
    expect(JSON.parse(b.pullSecret!.stringData!['.dockerconfigjson']!)).toEqual({ auths: { 'ghcr.io': { username: 'u', password: 'p', auth: 'dTpw' } } });
  });
});

describe('names', () => {
  it('makes valid label values and object keys', () => {
    expect(labelValue('-CI / main.yml-')).toBe('CI-main.yml');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(objectKey('A_B-1.c')).toBe('A_B-1.c');
    expect(objectKey('a b')).toBe('x-612062');
  });
});
