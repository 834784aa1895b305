import { execFileSync } from 'node:child_process';
import type { V1Container } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { objectKey, POD_EXTERNALS, POD_PATHS, secretEnvThroughSecret, type EnvProvider, type FileSharing, type JobPodRequest, type KubeObject } from '@kact/core';
import { buildJobPod, EXTERNALS_VOLUME, labelValue, POD_BUSYBOX, TOOLS_EXTERNALS, type PodBuildSettings } from './pod-builder.js';

const request = (): JobPodRequest => ({
  runId: 'run-1',
  name: 'kact-run-1-build',
  labels: { 'kact.dev/job': 'build', 'kact.dev/workflow': 'CI / main.yml' },
  main: { name: 'runner', image: 'kact.local/runner:trixie', env: { CI: 'true', QUOTED: `a "b" $(c)` }, secretEnv: { TOKEN: 'token' }, keepAlive: true, options: '--cpus 2 --network host' },
  services: [{ id: 'redis', ports: [{ published: 6379, container: 6379 }], container: { name: 'svc-redis', image: 'redis:7', env: { 'odd name': 'x' }, ports: [6379], keepAlive: false, args: ['redis-server', '--save', ''] } }],
  extra: [],
  secrets: { token: 's3cr3t' },
});

const build = (r: JobPodRequest, more: Partial<PodBuildSettings> = {}) => buildJobPod(r, { namespace: 'ci', toolsImage: 'kact.local/runner:trixie', ...more });
const hookOf = (c: V1Container) => c.lifecycle!.postStart!.exec!.command!;
const objectOf = (objects: KubeObject[], kind: string, suffix: string) => objects.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix))!;

describe('buildJobPod', () => {
  const built = build(request());
  const configMap = objectOf(built.objects, 'ConfigMap', '-env');
  const secret = objectOf(built.objects, 'Secret', '-secrets');
  const spec = built.pod.spec!;
  const [tools, runner, redis] = spec.containers;

  it("puts kact's tools in place before any other container starts: first, from a postStart hook, no init container", () => {
    expect(spec.initContainers).toBeUndefined();
    expect(tools).toMatchObject({ name: 'kact-tools', image: 'kact.local/runner:trixie', command: ['sleep', 'infinity'] });
    expect(hookOf(tools!).slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(hookOf(tools!)[2]).toContain(`cp /bin/busybox ${POD_BUSYBOX}`);
    // The job container's keep-alive is that busybox: it must come after the hook.
    expect(runner!.command![0]).toBe(POD_BUSYBOX);
    expect(built.pod.metadata!.annotations).toEqual({ 'kubectl.kubernetes.io/default-container': 'runner' });
  });

  it('labels every object with the run and job', () => {
    for (const obj of [built.pod, configMap, secret]) {
      expect(obj.metadata).toMatchObject({
        namespace: 'ci',
        labels: { 'kact.dev/run-id': 'run-1', 'kact.dev/job': 'build', 'app.kubernetes.io/managed-by': 'kact', 'kact.dev/workflow': 'CI-main.yml', 'kact.dev/pod': 'kact-run-1-build' },
      });
    }
    expect([built.pod.metadata!.name, configMap.metadata.name, secret.metadata.name]).toEqual(['kact-run-1-build', 'kact-run-1-build-env', 'kact-run-1-build-secrets']);
  });

  it('sets the pod-level policies', () => {
    expect(spec).toMatchObject({ restartPolicy: 'Never', enableServiceLinks: false, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1 });
    expect(spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['redis'] }]);
  });

  it('mounts the same named volumes at the same paths in every container', () => {
    const paths = [POD_PATHS.workspace, POD_PATHS.temp, POD_PATHS.toolCache, POD_PATHS.home, POD_PATHS.runtime];
    for (const c of spec.containers.slice(1)) expect(c.volumeMounts!.map((m) => m.mountPath)).toEqual(paths);
    expect(spec.volumes!.every((v) => v.emptyDir)).toBe(true);
    expect(tools!.volumeMounts).toEqual([{ name: 'kact-runtime', mountPath: POD_PATHS.runtime }]);
  });

  it('takes each volume, and the folder of it to mount, from the FileSharing', () => {
    const files: FileSharing = {
      name: 'test',
      volume: (path, job) => (path === 'toolCache' ? { source: { persistentVolumeClaim: { claimName: 'tools' } }, subPath: `${job.jobId}/tools` } : { source: { emptyDir: {} } }),
    };
    const spec = build(request(), { files }).pod.spec!;
    expect(spec.volumes!.find((v) => v.persistentVolumeClaim)).toEqual({ name: 'kact-tool-cache', persistentVolumeClaim: { claimName: 'tools' } });
    expect(spec.volumes!.filter((v) => v.emptyDir)).toHaveLength(4);
    for (const c of spec.containers.slice(1)) expect(c.volumeMounts!.find((m) => m.name === 'kact-tool-cache')).toEqual({ name: 'kact-tool-cache', mountPath: POD_PATHS.toolCache, subPath: 'build/tools' });
  });

  it("places the pod as the ContainerSelection chose, the runner class's resources on the main container only", () => {
    const placement = {
      nodeSelector: { pool: 'ci' },
      tolerations: [{ key: 'ci', operator: 'Exists', effect: 'NoSchedule' }],
      resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi', cpu: '4' } },
      runtimeClassName: 'gvisor',
      serviceAccountName: 'runner',
    };
    const spec = build({ ...request(), placement }).pod.spec!;
    expect(spec).toMatchObject({ nodeSelector: { pool: 'ci' }, tolerations: placement.tolerations, runtimeClassName: 'gvisor', serviceAccountName: 'runner', automountServiceAccountToken: true });
    // --cpus 2 of the job's options wins over the class's limit.
    expect(spec.containers[1]!.resources).toEqual({ requests: { cpu: '500m' }, limits: { memory: '1Gi', cpu: '2000m' } });
    expect(spec.containers[2]!.resources).toBeUndefined();
  });

  it("holds a container that shares the job's limits (a step slot) to the job container's cpu, memory and ephemeral-storage limits, requesting none", () => {
    const placement = { resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi', 'ephemeral-storage': '5Gi', 'nvidia.com/gpu': '1' } } };
    const slot = { name: 'slot-0', image: 'kact.local/runner:trixie', env: {}, keepAlive: false, sharesJobLimits: true, options: '--memory 8g' };
    const spec = build({ ...request(), placement, extra: [slot] }).pod.spec!;
    // Its own --memory does not count: the job container's limits (its --cpus 2 over the class's) do.
    expect(spec.containers.find((c) => c.name === 'slot-0')!.resources).toEqual({
      requests: { memory: '0', 'ephemeral-storage': '0', cpu: '0' },
      limits: { memory: '1Gi', 'ephemeral-storage': '5Gi', cpu: '2000m' },
    });
    expect(spec.containers[1]!.resources).toEqual({ requests: { cpu: '500m' }, limits: { memory: '1Gi', 'ephemeral-storage': '5Gi', 'nvidia.com/gpu': '1', cpu: '2000m' } });
    // Without limits on the job container there is nothing to share.
    const free = build({ ...request(), main: { ...request().main, options: '' }, extra: [slot] }).pod.spec!;
    expect(free.containers.find((c) => c.name === 'slot-0')!.resources).toBeUndefined();
  });

  it("gives the pod a deadline 5 minutes past the job's timeout, GitHub's 360 minutes when it has none", () => {
    expect(build({ ...request(), timeoutMs: 12_000 }).pod.spec!.activeDeadlineSeconds).toBe(12 + 300);
    expect(build({ ...request(), timeoutMs: 90 * 60_000 + 1 }).pod.spec!.activeDeadlineSeconds).toBe(90 * 60 + 1 + 300);
    expect(spec.activeDeadlineSeconds).toBe(360 * 60 + 300);
  });

  it('names the containers the job need not wait for, and no others', () => {
    const helper = (name: string) => ({ name, image: 'kact.local/runner:trixie', env: {}, keepAlive: false, startsInBackground: true });
    const pod = build({ ...request(), extra: [helper('agent'), helper('slot-0')] }).pod;
    expect(pod.metadata!.annotations!['kact.dev/background-containers']).toBe('agent,slot-0');
    expect(build(request()).pod.metadata!.annotations!['kact.dev/background-containers']).toBeUndefined();
  });

  it('creates no Secret when the job has no secret values', () => {
    expect(build({ ...request(), secrets: {} }).objects.map((o) => o.kind)).toEqual(['ConfigMap']);
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
    expect(configMap.data).toEqual({ 'runner.CI': 'true', 'runner.QUOTED': `a "b" $(c)`, [objectKey('svc-redis.odd name')]: 'x' });
    expect(secret.stringData).toEqual({ token: 's3cr3t' });
    expect(JSON.stringify(built.pod)).not.toContain('s3cr3t');
    expect(JSON.stringify(built.pod)).not.toContain('$(c)');
  });

  it("turns a service's Docker health check into a readiness probe run with /bin/sh", () => {
    const withHealth = request();
    withHealth.services[0]!.container.options = '--health-cmd "redis-cli ping" --health-interval 5s --health-timeout 2s --health-retries 4 --health-start-period 10s';
    const service = build(withHealth).pod.spec!.containers[2]!;
    expect(service.readinessProbe).toEqual({ exec: { command: ['/bin/sh', '-c', 'redis-cli ping'] }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 6 });
    expect(redis!.readinessProbe).toBeUndefined();
  });

  it('reports options it cannot honour', () => {
    expect(built.warnings).toEqual(['runner: option --network is not supported on Kubernetes; ignored']);
  });

  it('adds a pull secret for registry credentials', () => {
    const r = { ...request(), imagePullCredentials: [{ server: 'ghcr.io', username: 'u', password: 'p' }] };
    const b = build(r);
    expect(b.pod.spec!.imagePullSecrets).toEqual([{ name: 'kact-run-1-build-pull' }]);
    const pull = objectOf(b.objects, 'Secret', '-pull') as KubeObject & { stringData: Record<string, string> };
    expect(JSON.parse(pull.stringData['.dockerconfigjson']!)).toEqual({ auths: { 'ghcr.io': { username: 'u', password: 'p', auth: 'dTpw' } } });
  });
});

describe('secrets in container and service options', () => {
  const SECRET = 'pa55-$(w0rd)';
  const given: JobPodRequest = {
    ...request(),
    main: { name: 'job', image: 'kact.local/runner:trixie', env: {}, keepAlive: true, options: `--cpus 1 -e API_TOKEN=${SECRET} --env=PLAIN=x` },
    services: [
      {
        id: 'db',
        ports: [{ published: 5432, container: 5432 }],
        container: { name: 'svc-db', image: 'postgres:15', env: {}, ports: [5432], keepAlive: false, options: `-e POSTGRES_PASSWORD=${SECRET} --health-cmd "echo healthy '${SECRET}'" --health-interval 2s` },
      },
    ],
    secrets: {},
  };
  // What the interpreter hands the backend: the job's masker says which values hold a secret.
  const routed = secretEnvThroughSecret(given, (value) => value.includes(SECRET));

  /** A container's env as the kubelet gives it: plain values, and keys of the pod's ConfigMap and Secret. */
  function envOf(container: V1Container, objects: KubeObject[]): Record<string, string> {
    const data = (kind: string) => Object.assign({}, ...objects.filter((o) => o.kind === kind).map((o) => (o as { data?: object; stringData?: object }).data ?? (o as { stringData?: object }).stringData ?? {})) as Record<string, string>;
    const env: Record<string, string> = {};
    for (const v of container.env ?? []) {
      const value = v.valueFrom?.secretKeyRef ? data('Secret')[v.valueFrom.secretKeyRef.key] : v.valueFrom?.configMapKeyRef ? data('ConfigMap')[v.valueFrom.configMapKeyRef.key] : v.value;
      if (value !== undefined) env[v.name] = value;
    }
    return env;
  }

  // An EnvProvider that writes every value into the pod spec, as env: inline does.
  const inline: EnvProvider = { name: 'inline', deliver: (_job, containers) => ({ env: Object.fromEntries(containers.map((c) => [c.container, Object.entries(c.env).map(([name, value]) => ({ name, value }))])), objects: [] }) };
  for (const [title, settings] of [['env in a ConfigMap', {}], ['env inline', { env: inline }]] as const) {
    it(`keeps them out of the pod spec and the ConfigMap, yet each container gets them from the Secret (${title})`, () => {
      const built = build(routed, settings);
      for (const object of [built.pod, ...built.objects.filter((o) => o.kind !== 'Secret')]) expect(JSON.stringify(object)).not.toContain('pa55');
      const [, job, db] = built.pod.spec!.containers;
      expect(envOf(job!, built.objects)).toEqual({ API_TOKEN: SECRET, PLAIN: 'x' });
      expect(envOf(db!, built.objects)).toMatchObject({ POSTGRES_PASSWORD: SECRET });
      expect(job!.resources?.limits).toEqual({ cpu: '1000m' });
      expect(built.warnings).toEqual([]);
    });
  }

  it("runs the service's health command, secret and all, through /bin/sh from the Secret's env", () => {
    const built = build(routed);
    const probe = built.pod.spec!.containers[2]!.readinessProbe!;
    expect(probe.periodSeconds).toBe(2);
    const [shell, ...args] = probe.exec!.command!;
    const output = execFileSync(shell!, args, { env: envOf(built.pod.spec!.containers[2]!, built.objects), encoding: 'utf8' });
    expect(output).toBe(`healthy ${SECRET}\n`);
  });
});

describe("kact's externals (node for container jobs)", () => {
  const slot = { name: 'kact-slot-0', image: 'redis:7', env: {}, keepAlive: false, entrypoint: [POD_BUSYBOX, 'sh', '-c', 'wait'] };
  const containerJob = (): JobPodRequest => ({ ...request(), main: { ...request().main, name: 'job', image: 'redis:7' }, extra: [slot], externals: true });
  const mountsOf = (spec: ReturnType<typeof build>['pod']['spec'], name: string) => spec!.containers.find((c) => c.name === name)!.volumeMounts!;

  it('are not in a pod that does not ask for them', () => {
    const spec = build({ ...request(), extra: [slot] }).pod.spec!;
    expect(spec.volumes!.map((v) => v.name)).not.toContain(EXTERNALS_VOLUME);
    for (const c of spec.containers) expect(c.volumeMounts!.map((m) => m.mountPath)).not.toContain(POD_EXTERNALS.root);
    expect(hookOf(spec.containers[0]!).join(' ')).not.toContain(TOOLS_EXTERNALS);
  });

  it("are an emptyDir that kact's tools container fills from the tools image", () => {
    const spec = build(containerJob()).pod.spec!;
    expect(spec.volumes!.filter((v) => v.name === EXTERNALS_VOLUME)).toEqual([{ name: EXTERNALS_VOLUME, emptyDir: {} }]);
    const [init] = spec.containers;
    expect(spec.initContainers).toBeUndefined();
    expect(init).toMatchObject({ name: 'kact-tools', image: 'kact.local/runner:trixie' });
    expect(init!.volumeMounts).toEqual([
      { name: 'kact-runtime', mountPath: POD_PATHS.runtime },
      { name: EXTERNALS_VOLUME, mountPath: POD_EXTERNALS.root },
    ]);
    const script = hookOf(init!)[2]!;
    expect(script).toContain(`cp -a ${TOOLS_EXTERNALS}/. ${POD_EXTERNALS.root}/`);
    // A tools image without the bundle: a stand-in node that says why, run by the pod's busybox.
    expect(script).toContain(`'#!${POD_BUSYBOX} sh'`);
    expect(script).toContain(`> ${POD_EXTERNALS.node}`);
  });

  it('are mounted read-only where steps run (the job container first, the step slots), not in services', () => {
    const spec = build(containerJob()).pod.spec!;
    const externals = { name: EXTERNALS_VOLUME, mountPath: POD_EXTERNALS.root, readOnly: true };
    // Ephemeral step containers take the first container's mounts: it must be the job container.
    expect(spec.containers[1]!.name).toBe('job');
    expect(mountsOf(spec, 'job')).toContainEqual(externals);
    expect(mountsOf(spec, 'kact-slot-0')).toContainEqual(externals);
    expect(mountsOf(spec, 'svc-redis').map((m) => m.name)).not.toContain(EXTERNALS_VOLUME);
    // The shared volumes stay as they are, in every container.
    for (const c of spec.containers.slice(1)) expect(c.volumeMounts!.filter((m) => m.name !== EXTERNALS_VOLUME).map((m) => m.mountPath)).toEqual([POD_PATHS.workspace, POD_PATHS.temp, POD_PATHS.toolCache, POD_PATHS.home, POD_PATHS.runtime]);
  });

  it('change nothing else of the pod (resources, commands, the other volumes)', () => {
    const without = build({ ...containerJob(), externals: false }).pod;
    const withThem = structuredClone(build(containerJob()).pod);
    const spec = withThem.spec!;
    spec.volumes = spec.volumes!.filter((v) => v.name !== EXTERNALS_VOLUME);
    for (const c of spec.containers) c.volumeMounts = c.volumeMounts!.filter((m) => m.name !== EXTERNALS_VOLUME);
    expect(hookOf(spec.containers[0]!)[2]!.startsWith(hookOf(without.spec!.containers[0]!)[2]!)).toBe(true);
    spec.containers[0]!.lifecycle = without.spec!.containers[0]!.lifecycle!;
    expect(withThem).toEqual(without);
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
