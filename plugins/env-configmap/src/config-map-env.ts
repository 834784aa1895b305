import { objectKey, type ContainerEnv, type EnvDelivery, type EnvProvider, type JobObjectsRef, type PodEnvVar } from '@kact/core';

/**
 * The job's static env in one ConfigMap per job (`<pod>-env`, a key per container and name),
 * each variable read through `configMapKeyRef`: the pod spec holds names only, and Kubernetes
 * never expands `$(NAME)` in a value it reads from a ConfigMap.
 */
export class ConfigMapEnv implements EnvProvider {
  readonly name = 'configmap';

  deliver(job: JobObjectsRef, containers: ContainerEnv[]): EnvDelivery {
    const name = `${job.podName}-env`;
    const data: Record<string, string> = {};
    const env: Record<string, PodEnvVar[]> = {};
    for (const { container, env: values } of containers) {
      env[container] = Object.entries(values).map(([variable, value]) => {
        const key = objectKey(`${container}.${variable}`);
        data[key] = value;
        return { name: variable, valueFrom: { configMapKeyRef: { name, key } } };
      });
    }
    if (Object.keys(data).length === 0) return { env, objects: [] };
    return { env, objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: job.namespace, labels: job.labels }, data }] };
  }
}
