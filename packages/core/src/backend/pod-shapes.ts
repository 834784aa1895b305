/**
 * Plain-data shapes of the Kubernetes objects the backend contracts talk about. Core names no
 * client library: these are the fields kact reads and writes, structurally compatible with
 * `@kubernetes/client-node`'s V1* types, which a plugin may use instead.
 */

/** Any namespaced Kubernetes object kact creates for a job (a ConfigMap, a Service, a pod). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** One env entry of a container in the pod spec. */
export type PodEnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { configMapKeyRef: { name: string; key: string } } }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } };

/** Where and with what a job pod runs, beyond its image. Every field is optional. */
export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }>;
  /** Requests and limits of the job's main container (and every container a step runs in). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  runtimeClassName?: string;
  serviceAccountName?: string;
}

/** The volume behind one of the pod's shared paths, and the folder of it to mount. */
export interface PodVolume {
  source: { emptyDir: Record<string, never> } | { persistentVolumeClaim: { claimName: string; readOnly?: boolean } };
  /** Mount this folder of the volume rather than its root (several jobs sharing one claim). */
  subPath?: string;
}

/** An /etc/hosts entry of the job pod. */
export interface HostAlias {
  ip: string;
  hostnames: string[];
}

/** ConfigMap and Secret keys allow [-._a-zA-Z0-9]; other names are hex-encoded so every env name can be stored. */
export function objectKey(name: string): string {
  return /^[-._a-zA-Z0-9]+$/.test(name) && name.length <= 253 ? name : `x-${Buffer.from(name, 'utf8').toString('hex')}`;
}
