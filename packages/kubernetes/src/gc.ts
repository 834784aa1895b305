import type { KubeConnection } from './connection.js';
import { isHttpStatus } from './connection.js';
import { LABELS } from './pod-builder.js';

export interface GcReport {
  pods: string[];
  configMaps: string[];
  secrets: string[];
  /** Kubernetes Services (of services run as pods of their own). */
  services: string[];
}

/**
 * Deletes what kact created for runs that are no longer alive (`kact gc`). Objects are found by
 * the `app.kubernetes.io/managed-by=kact` label and grouped by their `kact.dev/run-id`.
 */
export async function collectGarbage(connection: KubeConnection, runIdAlive: (runId: string) => boolean): Promise<GcReport> {
  const { core, namespace } = connection;
  const labelSelector = `${LABELS.managedBy}=kact`;
  const [pods, configMaps, secrets, services] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector }),
    core.listNamespacedConfigMap({ namespace, labelSelector }),
    core.listNamespacedSecret({ namespace, labelSelector }),
    // Only services run as pods make Services: a Role without them has none to collect.
    core.listNamespacedService({ namespace, labelSelector }).catch((error: unknown) => {
      if (isHttpStatus(error, 403)) return { items: [] };
      throw error;
    }),
  ]);
  const dead = (labels: Record<string, string> | undefined) => {
    const runId = labels?.[LABELS.runId];
    return runId !== undefined && !runIdAlive(runId);
  };
  const ignoreMissing = (error: unknown) => {
    if (!isHttpStatus(error, 404)) throw error;
  };
  const report: GcReport = { pods: [], configMaps: [], secrets: [], services: [] };
  const deletions: Array<Promise<unknown>> = [];
  for (const pod of pods.items) {
    if (!dead(pod.metadata?.labels)) continue;
    const name = pod.metadata!.name!;
    report.pods.push(name);
    deletions.push(core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(ignoreMissing));
  }
  for (const cm of configMaps.items) {
    if (!dead(cm.metadata?.labels)) continue;
    const name = cm.metadata!.name!;
    report.configMaps.push(name);
    deletions.push(core.deleteNamespacedConfigMap({ name, namespace }).catch(ignoreMissing));
  }
  for (const secret of secrets.items) {
    if (!dead(secret.metadata?.labels)) continue;
    const name = secret.metadata!.name!;
    report.secrets.push(name);
    deletions.push(core.deleteNamespacedSecret({ name, namespace }).catch(ignoreMissing));
  }
  for (const service of services.items) {
    if (!dead(service.metadata?.labels)) continue;
    const name = service.metadata!.name!;
    report.services.push(name);
    deletions.push(core.deleteNamespacedService({ name, namespace }).catch(ignoreMissing));
  }
  await Promise.all(deletions);
  return report;
}
