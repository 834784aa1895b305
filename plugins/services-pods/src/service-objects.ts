import { createHash } from 'node:crypto';
import type { V1Container, V1EnvVar, V1Pod, V1Secret, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { objectKey, parseContainerOptions, type ContainerOptions, type ServiceJob, type ServiceRequest } from '@kact/core';
import { LABELS, labelValue, podDeadlineSeconds, readinessProbe } from '@kact/kubernetes';

/** Labels of the objects a service runs as (beside the job's own labels). */
export const SERVICE_LABELS = {
  /** The service id, as a label value: names the service. */
  service: 'kact.dev/service',
  /** The name of the service's pod and Service: the Service selects its pod by it. */
  object: 'kact.dev/service-pod',
} as const;

/** What one service runs as: a pod and, when it publishes ports, a ClusterIP Service of the same name. */
export interface ServiceObjects {
  id: string;
  image: string;
  /** Name of both the pod and the Service. */
  name: string;
  pod: V1Pod;
  /**
   * The values of the service's secret env (`env:` entries that hold a secret), created before
   * the pod and named like it: its env reads them from here, never from its spec.
   */
  secret?: V1Secret;
  /** Absent for a service without ports: it is reached at its pod IP. */
  service?: V1Service;
  /** Container port → published port (the Service's port), as `job.services.<id>.ports` shows them. */
  ports: Record<string, string>;
  warnings: string[];
}

const MAX_NAME = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME_MAX = 15;

function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The service id as a DNS label: itself when it already is one, else lowercased with every other
 * character run replaced by `-` and a short hash of the id added, so `my_db` and `my.db` differ.
 */
export function idLabel(id: string): string {
  if (DNS_LABEL.test(id) && id.length <= MAX_NAME) return id;
  const clean = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${clean ? `${clean.slice(0, 40).replace(/-+$/, '')}-` : ''}${shortHash(id, 6)}`;
}

/**
 * `<podName>-svc-<id as a DNS label>`, at most 63 characters and starting with a letter (a
 * Service name is an RFC 1035 label); longer names keep their start and end in a hash of the whole.
 */
export function serviceObjectName(podName: string, id: string): string {
  let name = `${podName}-svc-${idLabel(id)}`.toLowerCase();
  if (!/^[a-z]/.test(name)) name = `s-${name}`;
  if (name.length <= MAX_NAME && DNS_LABEL.test(name)) return name;
  const hash = shortHash(name);
  const head = name
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, MAX_NAME - hash.length - 1)
    .replace(/-+$/, '');
  return `${head}-${hash}`;
}

/**
 * Kubernetes expands `$(NAME)` in a container's env values, command and args, and reduces `$$` to
 * `$`: doubling every `$` keeps the text exactly as written (`$(` arrives as `$(`, `$$` as `$$`).
 */
export function escapeExpansion(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

/** Builds the pod and (with ports) the ClusterIP Service one service runs as. Pure: no API calls. */
export function buildServiceObjects(job: ServiceJob, request: ServiceRequest): ServiceObjects {
  const { container } = request;
  const name = serviceObjectName(job.podName, request.id);
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(`service ${request.id}: ${message}`);
  const options = parseContainerOptions(container.options);
  for (const w of options.warnings) warn(w);

  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(job.labels)) labels[key] = labelValue(value);
  labels[LABELS.runId] = labelValue(job.runId);
  labels[LABELS.managedBy] = 'kact';
  labels[LABELS.pod] = labelValue(job.podName);
  labels[SERVICE_LABELS.service] = labelValue(request.id) || shortHash(request.id, 6);
  labels[SERVICE_LABELS.object] = name;
  const metadata = { name, namespace: job.namespace, labels };

  // Every mapping as written; a published port twice cannot be one Service port: the first wins.
  const servicePorts: V1ServicePort[] = [];
  const ports: Record<string, string> = {};
  for (const { published, container: target } of request.ports) {
    if (servicePorts.some((p) => p.port === published)) {
      warn(`port ${published} is published twice; ${published}:${target} ignored`);
      continue;
    }
    servicePorts.push({ name: portName(published, target), protocol: 'TCP', port: published, targetPort: target });
    ports[String(target)] ??= String(published);
  }
  const containerPorts = [...new Set([...request.ports.map((p) => p.container), ...(container.ports ?? [])])];

  const env: V1EnvVar[] = Object.entries({ ...options.env, ...container.env }).map(([envName, value]) => ({ name: envName, value: escapeExpansion(value) }));
  // The job's Secret does not exist yet when a service pod starts: the values go in one of its own.
  const secretData: Record<string, string> = {};
  const missing: string[] = [];
  for (const [envName, key] of Object.entries(container.secretEnv ?? {})) {
    const value = job.secrets?.[key];
    if (value === undefined) {
      missing.push(envName);
      continue;
    }
    secretData[objectKey(envName)] = value;
    env.push({ name: envName, valueFrom: { secretKeyRef: { name, key: objectKey(envName) } } });
  }
  if (missing.length) warn(`secret env (${missing.join(', ')}): no value among the job's secrets; ignored`);
  const main: V1Container = {
    name: DNS_LABEL.test(container.name) && container.name.length <= MAX_NAME ? container.name : 'service',
    image: container.image,
    imagePullPolicy: 'IfNotPresent',
    ...(container.entrypoint ? { command: container.entrypoint.map(escapeExpansion) } : {}),
    ...(container.args ? { args: container.args.map(escapeExpansion) } : {}),
    ...(env.length ? { env } : {}),
    ...(options.workdir ? { workingDir: options.workdir } : {}),
    ...(containerPorts.length ? { ports: containerPorts.map((port) => ({ containerPort: port, protocol: 'TCP' })) } : {}),
    ...(options.health ? { readinessProbe: readinessProbe(options.health) } : {}),
    ...resourcesOf(options),
    ...securityOf(options),
  };
  let hostname: string | undefined;
  if (options.hostname !== undefined) {
    if (DNS_LABEL.test(options.hostname) && options.hostname.length <= MAX_NAME) hostname = options.hostname;
    else warn(`--hostname ${options.hostname} is not a DNS label; ignored`);
  }
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: {
      restartPolicy: 'Never',
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      // The job pod's deadline: a service pod outlives a killed kact like the job pod would.
      activeDeadlineSeconds: podDeadlineSeconds(job.timeoutMs),
      ...(hostname ? { hostname } : {}),
      containers: [main],
    },
  };
  const service: V1Service | undefined = servicePorts.length
    ? {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: { type: 'ClusterIP', selector: { [SERVICE_LABELS.object]: name }, ports: servicePorts },
      }
    : undefined;
  const secret: V1Secret | undefined = Object.keys(secretData).length ? { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata, stringData: secretData } : undefined;
  return { id: request.id, image: container.image, name, pod, ...(secret ? { secret } : {}), ...(service ? { service } : {}), ports, warnings };
}

/** A Service port name (an IANA service name: ≤ 15 characters, lowercase, with a letter). */
function portName(published: number, target: number): string {
  const full = `p${published}-${target}`;
  return full.length <= PORT_NAME_MAX ? full : `p${published}`;
}

function resourcesOf(options: ContainerOptions): Pick<V1Container, 'resources'> {
  if (!options.memory && !options.cpu) return {};
  return { resources: { limits: { ...(options.memory ? { memory: options.memory } : {}), ...(options.cpu ? { cpu: options.cpu } : {}) } } };
}

function securityOf(options: ContainerOptions): Pick<V1Container, 'securityContext'> {
  const context = {
    ...(options.user ? { runAsUser: options.user.uid, ...(options.user.gid !== undefined ? { runAsGroup: options.user.gid } : {}) } : {}),
    ...(options.privileged ? { privileged: true } : {}),
    ...(options.capAdd.length ? { capabilities: { add: options.capAdd } } : {}),
  };
  return Object.keys(context).length ? { securityContext: context } : {};
}
