import { existsSync } from 'node:fs';
import { POD_PATHS, type JobPod, type ProcessRequest } from '@kact/core';
import { checkReachable, connectToCluster, messageOf, type KubeConnection } from './connection.js';
import type { KubernetesJobBackend } from './kubernetes-job-backend.js';
import { LABELS } from './pod-builder.js';

/** Where `tools/kube-local up` writes its admin kubeconfig. */
export const KUBE_LOCAL_KUBECONFIG = '/var/lib/kube-local/admin.kubeconfig';

export type ClusterProbe = { connection: KubeConnection; version: string } | { reason: string };

/**
 * The cluster tests (and `kact` without --kubeconfig) use when there is one: $KUBECONFIG, else
 * the local kube-local cluster. Resolves with the reason when there is none, so tests can say why
 * they are skipped.
 */
export async function findTestCluster(): Promise<ClusterProbe> {
  const kubeconfig = process.env['KUBECONFIG'] || (existsSync(KUBE_LOCAL_KUBECONFIG) ? KUBE_LOCAL_KUBECONFIG : undefined);
  if (!kubeconfig) return { reason: `no KUBECONFIG and no ${KUBE_LOCAL_KUBECONFIG} (start one with tools/kube-local/bin/kube-local up)` };
  try {
    const connection = connectToCluster({ kubeconfig, ...(process.env['KACT_TEST_NAMESPACE'] ? { namespace: process.env['KACT_TEST_NAMESPACE'] } : {}) });
    const version = await checkReachable(connection, 3000);
    return { connection, version };
  } catch (error) {
    return { reason: messageOf(error) };
  }
}

/** The test cluster's connection, or undefined after printing why `what` is skipped. */
export async function clusterForTests(what: string): Promise<KubeConnection | undefined> {
  const probe = await findTestCluster();
  if ('connection' in probe) return probe.connection;
  console.warn(`${what} skipped: ${probe.reason}`);
  return undefined;
}

/**
 * The end of a cluster test's job: deletes its pod and objects, collects what other dead runs
 * left, and returns the names of the run's Secrets still there (none, when nothing leaked).
 */
export async function endTestJob(connection: KubeConnection, backend: KubernetesJobBackend, pod: JobPod | undefined, runId: string): Promise<string[]> {
  if (pod) await backend.stopJob(pod);
  await backend.gc((id) => id !== runId);
  const left = await connection.core.listNamespacedSecret({ namespace: connection.namespace, labelSelector: `${LABELS.runId}=${runId}` });
  return left.items.map((s) => s.metadata!.name!);
}

/**
 * What kact objects matching `labelSelector` are still there, as `kind/name`: live pods (one
 * being deleted with grace 0 may still be listed briefly), ConfigMaps, Secrets and Services.
 */
export async function listJobObjects(connection: KubeConnection, labelSelector: string): Promise<string[]> {
  const { core, namespace } = connection;
  const [pods, configMaps, secrets, services] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector }),
    core.listNamespacedConfigMap({ namespace, labelSelector }),
    core.listNamespacedSecret({ namespace, labelSelector }),
    core.listNamespacedService({ namespace, labelSelector }),
  ]);
  return [
    ...pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => `pod/${p.metadata!.name}`),
    ...configMaps.items.map((c) => `configmap/${c.metadata!.name}`),
    ...secrets.items.map((s) => `secret/${s.metadata!.name}`),
    ...services.items.map((s) => `service/${s.metadata!.name}`),
  ];
}

/** A `run:` step as the interpreter asks for one: the script under bash -eo pipefail, in the workspace. */
export function bashStepRequest(script: string, extra: Partial<ProcessRequest> = {}): ProcessRequest {
  return {
    container: 'runner',
    command: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}'],
    script: { content: script, extension: '.sh' },
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    workingDirectory: POD_PATHS.workspace,
    fileCommands: {},
    ...extra,
  };
}
