import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { secretEnvThroughSecret, type JobPodRequest, type ServiceJob, type ServiceRequest } from '@kact/core';
import { buildServiceObjects, escapeExpansion, idLabel, SERVICE_LABELS, serviceObjectName } from './service-objects.js';

const job: ServiceJob = {
  runId: 'run-1234',
  podName: 'kact-run-1234-build',
  namespace: 'ci',
  labels: { 'kact.dev/run-id': 'run-1234', 'kact.dev/job': 'build', 'app.kubernetes.io/managed-by': 'kact', 'kact.dev/pod': 'kact-run-1234-build' },
};

const service = (id: string, ports: Array<[number, number]>, extra: Partial<ServiceRequest['container']> = {}): ServiceRequest => ({
  id,
  ports: ports.map(([published, container]) => ({ published, container })),
  container: { name: `svc-${id.toLowerCase()}`, image: 'kact.local/runner:trixie', env: {}, ports: ports.map(([, c]) => c), keepAlive: false, ...extra },
});

describe('names', () => {
  it('is <pod>-svc-<id> when that is a DNS label of at most 63 characters', () => {
    expect(serviceObjectName('kact-run-1234-build', 'redis')).toBe('kact-run-1234-build-svc-redis');
    expect(idLabel('postgres-15')).toBe('postgres-15');
  });

  it('turns other ids into DNS labels, with a hash so that distinct ids stay distinct', () => {
    const a = idLabel('my_db');
    const b = idLabel('my.db');
    expect(a).toMatch(/^my-db-[0-9a-f]{6}$/);
    expect(b).toMatch(/^my-db-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
    expect(idLabel('Redis')).toMatch(/^redis-[0-9a-f]{6}$/);
    expect(idLabel('___')).toMatch(/^[0-9a-f]{6}$/);
  });

  it('shortens long names to 63 characters with a hash, keeping them distinct and valid', () => {
    const pod = `kact-${'x'.repeat(50)}-job`;
    const a = serviceObjectName(pod, 'database-primary');
    const b = serviceObjectName(pod, 'database-replica');
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(a).not.toBe(b);
    expect(serviceObjectName('1-job', 'db')).toBe('s-1-job-svc-db');
  });
});

describe('buildServiceObjects', () => {
  it("gives the service pod the job pod's deadline (the job's timeout + 5 minutes), so it ends should kact die", () => {
    expect(buildServiceObjects({ ...job, timeoutMs: 30 * 60_000 }, service('db', [])).pod.spec?.activeDeadlineSeconds).toBe(30 * 60 + 300);
    expect(buildServiceObjects(job, service('db', [])).pod.spec?.activeDeadlineSeconds).toBe(360 * 60 + 300);
  });

  it('builds a pod and a ClusterIP Service whose ports are the published ones, targeting the container ports', () => {
    const objects = buildServiceObjects(job, service('web', [[8080, 80], [8443, 443]], { entrypoint: ['python3'], args: ['-m', 'http.server', '80'] }));
    expect(objects.name).toBe('kact-run-1234-build-svc-web');
    expect(objects.ports).toEqual({ '80': '8080', '443': '8443' });
    expect(objects.service?.spec).toEqual({
      type: 'ClusterIP',
      selector: { [SERVICE_LABELS.object]: 'kact-run-1234-build-svc-web' },
      ports: [
        { name: 'p8080-80', protocol: 'TCP', port: 8080, targetPort: 80 },
        { name: 'p8443-443', protocol: 'TCP', port: 8443, targetPort: 443 },
      ],
    });
    expect(objects.service?.metadata?.name).toBe(objects.name);
    const spec = objects.pod.spec!;
    expect(spec).toMatchObject({ restartPolicy: 'Never', enableServiceLinks: false, automountServiceAccountToken: false });
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0]).toMatchObject({
      name: 'svc-web',
      image: 'kact.local/runner:trixie',
      command: ['python3'],
      args: ['-m', 'http.server', '80'],
      ports: [
        { containerPort: 80, protocol: 'TCP' },
        { containerPort: 443, protocol: 'TCP' },
      ],
    });
    expect(objects.warnings).toEqual([]);
  });

  it('gives two services on the same container port distinct Services, each selecting its own pod', () => {
    const a = buildServiceObjects(job, service('a', [[8080, 80]]));
    const b = buildServiceObjects(job, service('b', [[8081, 80]]));
    expect(a.name).not.toBe(b.name);
    expect(a.service!.spec!.selector).toEqual({ [SERVICE_LABELS.object]: a.name });
    expect(b.service!.spec!.selector).toEqual({ [SERVICE_LABELS.object]: b.name });
    expect(a.pod.metadata!.labels![SERVICE_LABELS.object]).toBe(a.name);
    expect(b.pod.metadata!.labels![SERVICE_LABELS.object]).toBe(b.name);
    expect(a.service!.spec!.ports).toEqual([{ name: 'p8080-80', protocol: 'TCP', port: 8080, targetPort: 80 }]);
    expect(b.service!.spec!.ports).toEqual([{ name: 'p8081-80', protocol: 'TCP', port: 8081, targetPort: 80 }]);
    expect(a.ports).toEqual({ '80': '8080' });
    expect(b.ports).toEqual({ '80': '8081' });
  });

  it('keeps every mapping as written: one container port published twice, a published port twice is reported', () => {
    const objects = buildServiceObjects(job, service('web', [[8080, 80], [9090, 80], [8080, 81]]));
    expect(objects.service!.spec!.ports!.map((p) => `${p.port}:${p.targetPort}`)).toEqual(['8080:80', '9090:80']);
    expect(objects.ports).toEqual({ '80': '8080' });
    expect(objects.pod.spec!.containers[0]!.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81, protocol: 'TCP' }]);
    expect(objects.warnings).toEqual(['service web: port 8080 is published twice; 8080:81 ignored']);
  });

  it('creates no Service for a service without ports', () => {
    const objects = buildServiceObjects(job, service('worker', []));
    expect(objects.service).toBeUndefined();
    expect(objects.ports).toEqual({});
    expect(objects.pod.spec!.containers[0]!.ports).toBeUndefined();
  });

  it('puts env inline, escaping $ so Kubernetes expands nothing ($( and $$ arrive as written)', () => {
    const objects = buildServiceObjects(
      job,
      service('db', [[5432, 5432]], { env: { POSTGRES_PASSWORD: 'pa$$word', NOTE: 'run $(whoami) and $HOME' }, options: '-e FROM_OPTIONS=x', args: ['--opt=$(X)'] }),
    );
    const container = objects.pod.spec!.containers[0]!;
    expect(container.env).toEqual([
      { name: 'FROM_OPTIONS', value: 'x' },
      { name: 'POSTGRES_PASSWORD', value: 'pa$$$$word' },
      { name: 'NOTE', value: 'run $$(whoami) and $$HOME' },
    ]);
    expect(container.args).toEqual(['--opt=$$(X)']);
    expect(escapeExpansion('$(A) $$(B) $')).toBe('$$(A) $$$$(B) $$');
  });

  it('reads secret env from a Secret of its own (labelled like the pod), never from its spec', () => {
    const secrets = { 'kact.env.svc-db.POSTGRES_PASSWORD': 'hunter2-$(x)' };
    const objects = buildServiceObjects({ ...job, secrets }, service('db', [[5432, 5432]], { env: { POSTGRES_DB: 'app' }, secretEnv: { POSTGRES_PASSWORD: 'kact.env.svc-db.POSTGRES_PASSWORD', MISSING: 'nope' } }));
    expect(objects.pod.spec!.containers[0]!.env).toEqual([
      { name: 'POSTGRES_DB', value: 'app' },
      { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: objects.name, key: 'POSTGRES_PASSWORD' } } },
    ]);
    expect(JSON.stringify(objects.pod)).not.toContain('hunter2');
    expect(objects.secret).toMatchObject({ kind: 'Secret', metadata: { name: objects.name, namespace: 'ci', labels: objects.pod.metadata!.labels }, stringData: { POSTGRES_PASSWORD: 'hunter2-$(x)' } });
    expect(objects.warnings).toEqual(["service db: secret env (MISSING): no value among the job's secrets; ignored"]);
    expect(buildServiceObjects(job, service('redis', [[6379, 6379]])).secret).toBeUndefined();
  });

  it("keeps secrets of the service's options out of its pod: --env and the health command come from its Secret", () => {
    const SECRET = 'hunter2-$(x)';
    const request: JobPodRequest = {
      runId: job.runId,
      name: job.podName,
      labels: {},
      main: { name: 'runner', image: 'kact.local/runner:trixie', env: {}, keepAlive: true },
      services: [service('db', [[5432, 5432]], { options: `-e POSTGRES_PASSWORD=${SECRET} -e POSTGRES_DB=app --health-cmd "echo ready '${SECRET}'" --health-retries 5` })],
      extra: [],
      secrets: {},
    };
    // What the interpreter hands the backend: the job's masker says which values hold a secret.
    const routed = secretEnvThroughSecret(request, (value) => value.includes(SECRET));
    const objects = buildServiceObjects({ ...job, secrets: routed.secrets }, routed.services[0]!);
    expect(JSON.stringify(objects.pod)).not.toContain('hunter2');
    expect(JSON.stringify(objects.service)).not.toContain('hunter2');
    const container = objects.pod.spec!.containers[0]!;
    // The container's env as the kubelet gives it: the Secret's keys resolved.
    const env = Object.fromEntries((container.env ?? []).map((v) => [v.name, v.valueFrom?.secretKeyRef ? objects.secret!.stringData![v.valueFrom.secretKeyRef.key]! : v.value!]));
    expect(env).toMatchObject({ POSTGRES_PASSWORD: SECRET, POSTGRES_DB: 'app' });
    const [shell, ...args] = container.readinessProbe!.exec!.command!;
    expect(execFileSync(shell!, args, { env, encoding: 'utf8' })).toBe(`ready ${SECRET}\n`);
    expect(container.readinessProbe!.failureThreshold).toBe(5);
    expect(objects.warnings).toEqual([]);
  });

  it('labels both objects with the job labels (kact.dev/run-id, managed-by kact), the job pod and the service', () => {
    const objects = buildServiceObjects(job, service('redis', [[6379, 6379]]));
    for (const labels of [objects.pod.metadata!.labels!, objects.service!.metadata!.labels!]) {
      expect(labels).toMatchObject({
        'kact.dev/run-id': 'run-1234',
        'kact.dev/job': 'build',
        'app.kubernetes.io/managed-by': 'kact',
        'kact.dev/pod': 'kact-run-1234-build',
        [SERVICE_LABELS.service]: 'redis',
        [SERVICE_LABELS.object]: objects.name,
      });
    }
    expect(objects.pod.metadata!.namespace).toBe('ci');
  });

  it('turns --health-cmd into a readiness probe and honours --memory, --cpus and --user', () => {
    const objects = buildServiceObjects(
      job,
      service('redis', [[6379, 6379]], { options: '--health-cmd "redis-cli ping" --health-interval 2s --health-retries 5 --memory 256m --cpus 0.5 --user 999 --network host' }),
    );
    const container = objects.pod.spec!.containers[0]!;
    expect(container.readinessProbe).toEqual({ exec: { command: ['/bin/sh', '-c', 'redis-cli ping'] }, periodSeconds: 2, timeoutSeconds: 30, failureThreshold: 5 });
    expect(container.resources).toEqual({ limits: { memory: '256Mi', cpu: '500m' } });
    expect(container.securityContext).toEqual({ runAsUser: 999 });
    expect(objects.warnings).toEqual(['service redis: option --network is not supported on Kubernetes; ignored']);
  });
});
