import type { KubeObject, PodEnvVar } from './pod-shapes.js';

/** A container of the job pod and its static, non-secret env. */
export interface ContainerEnv {
  container: string;
  env: Record<string, string>;
}

/** How the static env reaches the pod: each container's env entries and the objects they read. */
export interface EnvDelivery {
  env: Record<string, PodEnvVar[]>;
  /** Created before the pod, deleted with it; never holds a secret value. */
  objects: KubeObject[];
}

/**
 * EnvProvider: how a job's static env (job env, `container.env`, service env, `--env`) reaches
 * its containers. Step env never goes this way: it is passed to each process as data. Values are
 * delivered verbatim: Kubernetes expands `$(NAME)` in inline values, so a provider that inlines
 * them must escape it.
 */
export interface EnvProvider {
  readonly name: string;
  /** Pure: no API calls. `job` names the pod (objects are named after it) and carries its labels. */
  deliver(job: JobObjectsRef, containers: ContainerEnv[]): EnvDelivery;
}

/** What a provider may name its objects after: the job pod's name, namespace and labels. */
export interface JobObjectsRef {
  podName: string;
  namespace: string;
  labels: Record<string, string>;
}
