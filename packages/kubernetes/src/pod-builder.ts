import type { V1ConfigMap, V1Container, V1EnvVar, V1Pod, V1Probe, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { POD_PATHS, type ContainerRequest, type JobPodRequest } from '@kact/core';
import { parseContainerOptions, type HealthCheck } from './docker-options.js';

export const LABELS = {
  runId: 'kact.dev/run-id',
  job: 'kact.dev/job',
  managedBy: 'app.kubernetes.io/managed-by',
  /** On objects that belong to one job pod but are created while it runs (per-step Secrets): deleted with it. */
  pod: 'kact.dev/pod',
} as const;

/** The static busybox every container can run, whatever its image (copied in by the init container). */
export const POD_BUSYBOX = `${POD_PATHS.runtime}/bin/busybox`;

/** Where containers that wait for steps keep their hand-over files (one folder per container). */
export const POD_SLOTS = `${POD_PATHS.runtime}/slots`;

export interface PodBuildSettings {
  namespace: string;
  /** Image the init container runs: it must have /bin/sh, and /bin/busybox (static) to copy. */
  toolsImage: string;
}

export interface JobPodResources {
  pod: V1Pod;
  configMap: V1ConfigMap;
  secret: V1Secret;
  /** Present when the request carries registry credentials. */
  pullSecret?: V1Secret;
  warnings: string[];
}

/** Names of the objects that belong to a job pod (deleted together). */
export function jobObjectNames(podName: string) {
  return { pod: podName, configMap: `${podName}-env`, secret: `${podName}-secrets`, pullSecret: `${podName}-pull` };
}

const VOLUMES: Array<{ name: string; path: string }> = [
  { name: 'kact-workspace', path: POD_PATHS.workspace },
  { name: 'kact-temp', path: POD_PATHS.temp },
  { name: 'kact-tool-cache', path: POD_PATHS.toolCache },
  { name: 'kact-home', path: POD_PATHS.home },
  { name: 'kact-runtime', path: POD_PATHS.runtime },
];

/** The pod's shared volumes as every container mounts them (ephemeral step containers too). */
export function podVolumeMounts(): V1VolumeMount[] {
  return VOLUMES.map((v) => ({ name: v.name, mountPath: v.path }));
}

/**
 * Puts the static busybox into the runtime volume. If the tools image has no busybox, a stand-in
 * script maps `busybox <applet> …` onto the image's own tools (`sh` → bash): enough for the runner
 * image, not for distroless job containers.
 */
const INIT_SCRIPT = [
  'set -e',
  `mkdir -p ${POD_PATHS.runtime}/bin ${POD_PATHS.runtime}/steps ${POD_SLOTS}`,
  `if [ -x /bin/busybox ]; then cp /bin/busybox ${POD_BUSYBOX}; else`,
  `  printf '%s\\n' '#!/bin/bash' '# kact: no busybox in the tools image; its own tools stand in' 'if [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi' 'exec "$@"' > ${POD_BUSYBOX}`,
  'fi',
  `chmod 0755 ${POD_BUSYBOX}`,
  // Steps may run as any uid (non-root images, --user): the step folders must be writable by all.
  `chmod 1777 ${POD_PATHS.runtime}/steps ${POD_SLOTS}`,
].join('\n');

/** Builds the pod, its env ConfigMap and its Secret for a job. Pure: no API calls. */
export function buildJobPod(request: JobPodRequest, settings: PodBuildSettings): JobPodResources {
  const names = jobObjectNames(request.name);
  const warnings: string[] = [];
  const labels = jobLabels(request);
  const metadata = (name: string) => ({ name, namespace: settings.namespace, labels });
  const configData: Record<string, string> = {};
  const secretData: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.secrets)) secretData[objectKey(name)] = value;

  const mounts = podVolumeMounts();
  const containers: V1Container[] = [];
  let hostname: string | undefined;
  const all = [request.main, ...request.services.map((s) => s.container), ...request.extra];
  for (const container of all) {
    const options = parseContainerOptions(container.options);
    warnings.push(...options.warnings.map((w) => `${container.name}: ${w}`));
    if (container === request.main && options.hostname) hostname = options.hostname;
    else if (options.hostname) warnings.push(`${container.name}: --hostname only applies to the job container; ignored`);
    const env: V1EnvVar[] = [];
    for (const [name, value] of Object.entries({ ...options.env, ...container.env })) {
      const key = objectKey(`${container.name}.${name}`);
      configData[key] = value;
      // valueFrom, not value: Kubernetes would expand `$(NAME)` inside inline values.
      env.push({ name, valueFrom: { configMapKeyRef: { name: names.configMap, key } } });
    }
    for (const [name, secretName] of Object.entries(container.secretEnv ?? {})) {
      env.push({ name, valueFrom: { secretKeyRef: { name: names.secret, key: objectKey(secretName), optional: true } } });
    }
    containers.push({
      name: container.name,
      image: container.image,
      imagePullPolicy: 'IfNotPresent',
      ...commandOf(container),
      env,
      ...(options.workdir ? { workingDir: options.workdir } : {}),
      ports: (container.ports ?? []).map((port) => ({ containerPort: port, protocol: 'TCP' })),
      volumeMounts: mounts,
      ...(options.health ? { readinessProbe: readinessProbe(options.health) } : {}),
      ...(options.memory || options.cpu
        ? { resources: { limits: { ...(options.memory ? { memory: options.memory } : {}), ...(options.cpu ? { cpu: options.cpu } : {}) } } }
        : {}),
      securityContext: {
        ...(options.user ? { runAsUser: options.user.uid, ...(options.user.gid !== undefined ? { runAsGroup: options.user.gid } : {}) } : {}),
        ...(options.privileged ? { privileged: true } : {}),
        ...(options.capAdd.length ? { capabilities: { add: options.capAdd } } : {}),
      },
    });
  }

  const aliases = request.services.map((s) => s.id).filter((id) => {
    const ok = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(id);
    if (!ok) warnings.push(`service ${id}: not a valid host name; reachable on localhost only`);
    return ok;
  });
  // The tool cache may outlive the job on a PersistentVolumeClaim (`--tool-cache-pvc`); the
  // rest is the job's own.
  const volumes: V1Volume[] = VOLUMES.map((v) =>
    v.path === POD_PATHS.toolCache && request.toolCacheClaim ? { name: v.name, persistentVolumeClaim: { claimName: request.toolCacheClaim } } : { name: v.name, emptyDir: {} },
  );
  const pullSecret = request.imagePullCredentials?.length
    ? {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: metadata(names.pullSecret),
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': dockerConfigJson(request.imagePullCredentials) },
      }
    : undefined;
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(names.pod),
    spec: {
      restartPolicy: 'Never',
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      // One PID namespace for the pod: the pause container is PID 1 and reaps orphans (each exec
      // step would otherwise leave a zombie under the sleeper), and step containers, which the
      // API cannot stop, can be signalled from a helper container (see ephemeral-step.ts).
      shareProcessNamespace: true,
      ...(hostname ? { hostname } : {}),
      ...(aliases.length ? { hostAliases: [{ ip: '127.0.0.1', hostnames: aliases }] } : {}),
      ...(pullSecret ? { imagePullSecrets: [{ name: names.pullSecret }] } : {}),
      initContainers: [
        {
          name: 'kact-init',
          image: settings.toolsImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', INIT_SCRIPT],
          volumeMounts: [{ name: 'kact-runtime', mountPath: POD_PATHS.runtime }],
        },
      ],
      containers,
      volumes,
    },
  };
  return {
    pod,
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(names.configMap), data: configData },
    secret: { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.secret), type: 'Opaque', stringData: secretData },
    ...(pullSecret ? { pullSecret } : {}),
    warnings,
  };
}

/**
 * Docker's health check as a readiness probe: the pod counts as started once it passes (see
 * pod-progress.ts). A readiness probe never fails a container, so `failureThreshold` carries
 * Docker's retries plus the start period in probe periods: the budget kact waits before
 * calling the container unhealthy.
 */
function readinessProbe(health: HealthCheck): V1Probe {
  return {
    exec: { command: ['/bin/sh', '-c', health.command] },
    periodSeconds: health.intervalSeconds,
    timeoutSeconds: health.timeoutSeconds,
    failureThreshold: health.retries + Math.ceil(health.startPeriodSeconds / health.intervalSeconds),
  };
}

function commandOf(container: ContainerRequest): Pick<V1Container, 'command' | 'args'> {
  // Replacing both command and args keeps any image (even distroless) alive without its own shell.
  if (container.keepAlive) return { command: [POD_BUSYBOX, 'sleep', '2147483647'], args: [] };
  return {
    ...(container.entrypoint ? { command: container.entrypoint } : {}),
    ...(container.args ? { args: container.args } : {}),
  };
}

function jobLabels(request: JobPodRequest): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.labels)) labels[key] = labelValue(value);
  labels[LABELS.runId] = labelValue(request.runId);
  labels[LABELS.job] = labelValue(request.labels[LABELS.job] ?? request.name);
  labels[LABELS.managedBy] = 'kact';
  return labels;
}

/** Label values: ≤ 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** ConfigMap/Secret keys allow [-._a-zA-Z0-9]; other names are hex-encoded so every env name can be stored. */
export function objectKey(name: string): string {
  return /^[-._a-zA-Z0-9]+$/.test(name) && name.length <= 253 ? name : `x-${Buffer.from(name, 'utf8').toString('hex')}`;
}

function dockerConfigJson(credentials: NonNullable<JobPodRequest['imagePullCredentials']>): string {
  const auths: Record<string, { username: string; password: string; auth: string }> = {};
  for (const c of credentials) {
    auths[c.server] = { username: c.username, password: c.password, auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  }
  return JSON.stringify({ auths });
}
