import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from './cluster-providers/cluster-provider.js';

export const RUN_ID_LABEL = 'kact.dev/run-id';

function client(cluster: Cluster): CoreV1Api {
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  if (cluster.context) config.setCurrentContext(cluster.context);
  return config.makeApiClient(CoreV1Api);
}

/** Pods, config maps, secrets and Services that still carry the run's label, as `kind/namespace/name`. */
export async function listRunResources(cluster: Cluster, runId: string): Promise<string[]> {
  const core = client(cluster);
  const labelSelector = `${RUN_ID_LABEL}=${runId}`;
  const ns = cluster.namespace;
  const [pods, maps, secrets, services] = await Promise.all(
    ns
      ? [
          core.listNamespacedPod({ namespace: ns, labelSelector }),
          core.listNamespacedConfigMap({ namespace: ns, labelSelector }),
          core.listNamespacedSecret({ namespace: ns, labelSelector }),
          core.listNamespacedService({ namespace: ns, labelSelector }),
        ]
      : [
          core.listPodForAllNamespaces({ labelSelector }),
          core.listConfigMapForAllNamespaces({ labelSelector }),
          core.listSecretForAllNamespaces({ labelSelector }),
          core.listServiceForAllNamespaces({ labelSelector }),
        ],
  );
  const names = (kind: string, list: { items: { metadata?: { namespace?: string; name?: string } }[] }) =>
    list.items.map((i) => `${kind}/${i.metadata?.namespace ?? '?'}/${i.metadata?.name ?? '?'}`);
  return [...names('pod', pods), ...names('configmap', maps), ...names('secret', secrets), ...names('service', services)];
}

/**
 * What the run left behind: polls for up to `graceMs` (deletions are asynchronous, but kact
 * deletes with a zero grace period) and returns whatever still carries the run's label.
 */
export async function findLeftovers(cluster: Cluster, runId: string, graceMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = await listRunResources(cluster, runId);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The run id of a run whose --json was never written, read from its `starting pod kact-<id>-…` lines. */
export function runIdFromOutput(output: string): string | undefined {
  return /\bkact-([0-9a-f]{8})-/.exec(output)?.[1];
}
