import { existsSync } from 'node:fs';
import { checkReachable, connectToCluster, messageOf, type KubeConnection } from './connection.js';

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
