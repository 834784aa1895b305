import type { ContainerEnv, EnvDelivery, EnvProvider, JobObjectsRef, PodEnvVar } from '@kact/core';

/**
 * A value written so that the container sees exactly `value`. The kubelet expands inline values
 * (k8s.io/kubernetes third_party/forked/golang/expansion): `$(NAME)` becomes NAME's value when
 * the container declares NAME, `$$` becomes `$`, any other `$` stays. Doubling every `$` holds
 * for any value without reasoning about neighbours: every `$` is then followed by a `$`, so no
 * reference can open and each pair collapses back to the one `$` it stood for.
 */
export function escapeEnvExpansion(value: string): string {
  // A function replacement: in a replacement string `$$` would itself mean `$`.
  return value.replaceAll('$', () => '$$');
}

/**
 * The job's static env inline in the pod spec, for namespaces where kact may not create
 * ConfigMaps: no objects, each value escaped against the kubelet's `$(NAME)` expansion.
 */
export class InlineEnv implements EnvProvider {
  readonly name = 'inline';

  deliver(_job: JobObjectsRef, containers: ContainerEnv[]): EnvDelivery {
    const env: Record<string, PodEnvVar[]> = {};
    for (const { container, env: values } of containers) {
      env[container] = Object.entries(values).map(([name, value]) => ({ name, value: escapeEnvExpansion(value) }));
    }
    return { env, objects: [] };
  }
}
