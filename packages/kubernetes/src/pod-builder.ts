import type { V1Container, V1EnvVar, V1Pod, V1Probe, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { objectKey, parseContainerOptions, POD_EXTERNALS, POD_PATHS, type ContainerRequest, type EnvProvider, type FileSharing, type HealthCheck, type JobPodRequest, type KubeObject, type ServicesStarted, type SharedPath } from '@kact/core';
import { ConfigMapEnv } from '@kact/env-configmap';
import { EmptyDirFiles } from '@kact/files-emptydir';
import { containerResources, jobContainerResources, podDeadlineSeconds, stepContainerResources } from './job-limits.js';

export const LABELS = {
  runId: 'kact.dev/run-id',
  job: 'kact.dev/job',
  managedBy: 'app.kubernetes.io/managed-by',
  /** On the job pod and every object that belongs to it (its env, Secrets, per-step Secrets): deleted with it. */
  pod: 'kact.dev/pod',
} as const;

/** On a job pod: its containers the job does not wait for (ContainerRequest.startsInBackground), comma-separated. */
export const BACKGROUND_CONTAINERS = 'kact.dev/background-containers';

/** The static busybox every container can run, whatever its image (copied in by the init container). */
export const POD_BUSYBOX = `${POD_PATHS.runtime}/bin/busybox`;

/** Where containers that wait for steps keep their hand-over files (one folder per container). */
export const POD_SLOTS = `${POD_PATHS.runtime}/slots`;

/**
 * Where the tools image keeps kact's externals (`tools/images/build.sh`, the runner image): each
 * folder of it appears under `POD_EXTERNALS.root` in a pod that asks for them.
 */
export const TOOLS_EXTERNALS = '/opt/kact/externals';

/** The volume behind `POD_EXTERNALS.root`. */
export const EXTERNALS_VOLUME = 'kact-externals';

export interface PodBuildSettings {
  namespace: string;
  /**
   * Image the init container runs: it must have /bin/sh, and /bin/busybox (static) to copy; for
   * container jobs with JavaScript actions, kact's node bundle under TOOLS_EXTERNALS.
   */
  toolsImage: string;
  /** How the static env reaches the containers; default: a ConfigMap. */
  env?: EnvProvider;
  /** The volumes behind the shared paths; default: emptyDirs. */
  files?: FileSharing;
}

export interface JobPodResources {
  pod: V1Pod;
  /** Created before the pod (in this order) and deleted with it: env objects, the job's Secret, the pull secret. */
  objects: KubeObject[];
  warnings: string[];
}

/** Names of the objects that belong to a job pod (deleted together). */
export function jobObjectNames(podName: string) {
  return { pod: podName, secret: `${podName}-secrets`, pullSecret: `${podName}-pull` };
}

const VOLUMES: Array<{ name: string; path: SharedPath }> = [
  { name: 'kact-workspace', path: 'workspace' },
  { name: 'kact-temp', path: 'temp' },
  { name: 'kact-tool-cache', path: 'toolCache' },
  { name: 'kact-home', path: 'home' },
  { name: 'kact-runtime', path: 'runtime' },
];

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

/**
 * Fills the externals volume from the tools image (`JobPodRequest.externals`). A copy per job
 * (≈ 92 MB, a fraction of a second; see docs/plugins.md): the cluster has no way to share a
 * folder of an image with another container read-only. An image volume (`volumes[].image`,
 * Kubernetes ≥ 1.33 with the ImageVolume gate, containerd ≥ 2.1) would mount the tools image
 * itself with no copy; a hostPath cache on the node would too, but Pod Security `baseline`
 * forbids hostPath. A tools image without the bundle gets a stand-in node that says so.
 */
const TOOLS_NODE = `${TOOLS_EXTERNALS}${POD_EXTERNALS.node.slice(POD_EXTERNALS.root.length)}`;
const EXTERNALS_SCRIPT = [
  `if [ -x ${TOOLS_NODE} ]; then cp -a ${TOOLS_EXTERNALS}/. ${POD_EXTERNALS.root}/; else`,
  `  mkdir -p ${POD_EXTERNALS.node.slice(0, POD_EXTERNALS.node.lastIndexOf('/'))}`,
  `  printf '%s\\n' '#!${POD_BUSYBOX} sh' 'echo "kact: the tools image has no ${TOOLS_NODE} (tools/images/build.sh runner builds it): JavaScript actions cannot run in this job container" >&2' 'exit 127' > ${POD_EXTERNALS.node}`,
  `  chmod 0755 ${POD_EXTERNALS.node}`,
  'fi',
].join('\n');

/**
 * Builds the pod and the objects it reads for a job: the containers (main, the services the
 * ServiceNetworking keeps in the pod, the strategy's extras), their env as the EnvProvider
 * delivers it, the volumes the FileSharing chooses and the ContainerSelection's placement.
 * Pure: no API calls.
 */
export function buildJobPod(request: JobPodRequest, settings: PodBuildSettings, services: Pick<ServicesStarted, 'inPod' | 'hostAliases'> = servicesInThePod(request)): JobPodResources {
  const env = settings.env ?? new ConfigMapEnv();
  const files = settings.files ?? new EmptyDirFiles();
  const names = jobObjectNames(request.name);
  const warnings: string[] = [];
  const labels = jobLabels(request);
  const metadata = (name: string) => ({ name, namespace: settings.namespace, labels });
  const secretData: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.secrets)) secretData[objectKey(name)] = value;

  const volumeJob = { runId: request.runId, podName: request.name, jobId: labels[LABELS.job]! };
  const volumes = VOLUMES.map((v) => ({ ...v, ...files.volume(v.path, volumeJob) }));
  const mounts: V1VolumeMount[] = volumes.map((v) => ({ name: v.name, mountPath: POD_PATHS[v.path], ...(v.subPath ? { subPath: v.subPath } : {}) }));
  // kact's node for a container job (GitHub's /__e): read-only where its steps run, the main
  // container and the strategy's (step slots); ephemeral step containers take the main one's
  // mounts. Services keep their image as it is.
  const externals: V1VolumeMount | undefined = request.externals ? { name: EXTERNALS_VOLUME, mountPath: POD_EXTERNALS.root, readOnly: true } : undefined;
  const all = [request.main, ...services.inPod.map((s) => s.container), ...request.extra];
  const parsed = all.map((container) => ({ container, options: parseContainerOptions(container.options) }));
  const delivery = env.deliver(
    { podName: request.name, namespace: settings.namespace, labels },
    parsed.map(({ container, options }) => ({ container: container.name, env: { ...options.env, ...container.env } })),
  );
  const containers: V1Container[] = [];
  let hostname: string | undefined;
  const runsSteps = new Set([request.main, ...request.extra]);
  for (const { container, options } of parsed) {
    warnings.push(...options.warnings.map((w) => `${container.name}: ${w}`));
    if (container === request.main && options.hostname) hostname = options.hostname;
    else if (options.hostname) warnings.push(`${container.name}: --hostname only applies to the job container; ignored`);
    const env: V1EnvVar[] = [...(delivery.env[container.name] ?? [])];
    for (const [name, secretName] of Object.entries(container.secretEnv ?? {})) {
      env.push({ name, valueFrom: { secretKeyRef: { name: names.secret, key: objectKey(secretName), optional: true } } });
    }
    // Step slots are held to the job container's limits: a step never escapes what the workflow set.
    const resources = container.sharesJobLimits ? stepContainerResources(jobContainerResources(request)) : containerResources(container === request.main ? request.placement?.resources : undefined, options);
    containers.push({
      name: container.name,
      image: container.image,
      imagePullPolicy: 'IfNotPresent',
      ...commandOf(container),
      env,
      ...(options.workdir ? { workingDir: options.workdir } : {}),
      ports: (container.ports ?? []).map((port) => ({ containerPort: port, protocol: 'TCP' })),
      volumeMounts: externals && runsSteps.has(container) ? [...mounts, externals] : mounts,
      ...(options.health ? { readinessProbe: readinessProbe(options.health) } : {}),
      ...(resources ? { resources } : {}),
      securityContext: {
        ...(options.user ? { runAsUser: options.user.uid, ...(options.user.gid !== undefined ? { runAsGroup: options.user.gid } : {}) } : {}),
        ...(options.privileged ? { privileged: true } : {}),
        ...(options.capAdd.length ? { capabilities: { add: options.capAdd } } : {}),
      },
    });
  }

  const background = all.filter((c) => c.startsInBackground && c !== request.main).map((c) => c.name);
  const pullSecret: KubeObject | undefined = request.imagePullCredentials?.length
    ? { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.pullSecret), type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': dockerConfigJson(request.imagePullCredentials) } }
    : undefined;
  // No values, no Secret: a SecretProvider whose values stay in the cluster leaves the job's empty.
  const secret: KubeObject | undefined = Object.keys(secretData).length ? { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.secret), type: 'Opaque', stringData: secretData } : undefined;
  const placement = request.placement;
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...metadata(names.pod),
      annotations: { 'kubectl.kubernetes.io/default-container': request.main.name, ...(background.length ? { [BACKGROUND_CONTAINERS]: background.join(',') } : {}) },
    },
    spec: {
      restartPolicy: 'Never',
      enableServiceLinks: false,
      // A runner class that names a service account wants its token (cloud credentials); kact's own pods need none.
      automountServiceAccountToken: placement?.serviceAccountName !== undefined,
      terminationGracePeriodSeconds: 1,
      // Ends the pod should kact die without deleting it; kact's own timer ends the job first (job-limits.ts).
      activeDeadlineSeconds: podDeadlineSeconds(request.timeoutMs),
      // One PID namespace for the pod: the pause container is PID 1 and reaps orphans (each exec
      // step would otherwise leave a zombie under the sleeper), and step containers, which the
      // API cannot stop, can be signalled from a helper container (see ephemeral-step.ts).
      shareProcessNamespace: true,
      ...(hostname ? { hostname } : {}),
      ...(services.hostAliases.length ? { hostAliases: services.hostAliases } : {}),
      ...(pullSecret ? { imagePullSecrets: [{ name: names.pullSecret }] } : {}),
      ...(placement?.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
      ...(placement?.tolerations ? { tolerations: placement.tolerations } : {}),
      ...(placement?.runtimeClassName ? { runtimeClassName: placement.runtimeClassName } : {}),
      ...(placement?.serviceAccountName ? { serviceAccountName: placement.serviceAccountName } : {}),
      // kact's tools come first and are in place before any other container starts: the kubelet
      // starts a pod's containers in order and holds the next one until the previous one's
      // postStart hook has run. An init container would do the same a second later: the kubelet
      // notices that an init container has ended only at its next relist (PLEG, once a second).
      containers: [toolsContainer(settings.toolsImage, mounts, externals !== undefined), ...containers],
      volumes: [...volumes.map((v): V1Volume => ({ name: v.name, ...v.source })), ...(externals ? [{ name: EXTERNALS_VOLUME, emptyDir: {} }] : [])],
    },
  };
  return { pod, objects: [...delivery.objects, ...(secret ? [secret] : []), ...(pullSecret ? [pullSecret] : [])], warnings };
}

/** The first container of every job pod: it puts kact's tools in place (see buildJobPod), then idles. */
export const TOOLS_CONTAINER = 'kact-tools';

function toolsContainer(image: string, mounts: V1VolumeMount[], externals: boolean): V1Container {
  return {
    name: TOOLS_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sleep', 'infinity'],
    lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', externals ? `${INIT_SCRIPT}\n${EXTERNALS_SCRIPT}` : INIT_SCRIPT] } } },
    volumeMounts: [...mounts.filter((m) => m.mountPath === POD_PATHS.runtime), ...(externals ? [{ name: EXTERNALS_VOLUME, mountPath: POD_EXTERNALS.root }] : [])],
  };
}

/** The default ServiceNetworking's answer, for callers that start no services themselves. */
function servicesInThePod(request: JobPodRequest): Pick<ServicesStarted, 'inPod' | 'hostAliases'> {
  const hostnames = request.services.map((s) => s.id);
  return { inPod: request.services, hostAliases: hostnames.length ? [{ ip: '127.0.0.1', hostnames }] : [] };
}

/**
 * Docker's health check as a readiness probe: the pod counts as started once it passes (see
 * pod-progress.ts), and a Service sends traffic only to a ready pod. A readiness probe never
 * fails a container, so `failureThreshold` carries Docker's retries plus the start period in
 * probe periods: the budget kact waits before calling the container unhealthy.
 */
export function readinessProbe(health: HealthCheck): V1Probe {
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

/** The labels of a job's pod and of every object that belongs to it. */
export function jobLabels(request: JobPodRequest): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.labels)) labels[key] = labelValue(value);
  labels[LABELS.runId] = labelValue(request.runId);
  labels[LABELS.job] = labelValue(request.labels[LABELS.job] ?? request.name);
  labels[LABELS.managedBy] = 'kact';
  labels[LABELS.pod] = labelValue(request.name);
  return labels;
}

/** Label values: ≤ 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}


function dockerConfigJson(credentials: NonNullable<JobPodRequest['imagePullCredentials']>): string {
  const auths: Record<string, { username: string; password: string; auth: string }> = {};
  for (const c of credentials) {
    auths[c.server] = { username: c.username, password: c.password, auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  }
  return JSON.stringify({ auths });
}
