import type { ServiceEndpoint, ServiceRequest } from './job-backend.js';
import type { HostAlias } from './pod-shapes.js';

/** How a job's services are reached once they run. */
export interface ServicesStarted {
  /** Services that run as containers of the job pod itself. */
  inPod: ServiceRequest[];
  /** `/etc/hosts` entries for the job pod, so a service answers at its id. */
  hostAliases: HostAlias[];
  /** By service id: the host steps use (`<ID>_HOST`) and container port → port it answers on. */
  endpoints: Record<string, ServiceEndpoint>;
  /** What could not be done as written (a port remap, a name that is no host name), for the job log. */
  warnings?: string[];
}

/** The job whose services are started: names, namespace and labels its objects carry. */
export interface ServiceJob {
  runId: string;
  podName: string;
  namespace: string;
  labels: Record<string, string>;
  /** The job's timeout (JobPodRequest.timeoutMs): pods made for the services get the job pod's deadline. */
  timeoutMs?: number;
  /**
   * The values of the job's Secret (JobPodRequest.secrets), by key: a service's `secretEnv` names
   * keys of it. A service outside the job pod starts before that Secret exists, so it keeps the
   * values it needs in a Secret of its own; never in its pod spec.
   */
  secrets?: Record<string, string>;
}

/**
 * ServiceNetworking: where a job's `services:` run and how steps reach them. `start` runs before
 * the job pod is created and resolves once every service outside the pod is ready (or rejects,
 * naming the service, after removing what it created); `stop` removes what `start` created and
 * is idempotent. Every object carries the job's labels (`kact.dev/run-id`), so `kact gc` finds
 * what a killed run left.
 */
export interface ServiceNetworking {
  readonly name: string;
  start(job: ServiceJob, services: ServiceRequest[], signal: AbortSignal): Promise<ServicesStarted>;
  stop(job: Pick<ServiceJob, 'podName' | 'namespace'>): Promise<void>;
}
