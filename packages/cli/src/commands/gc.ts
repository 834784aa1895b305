import { checkReachable, collectGarbage, connectToCluster } from '@kact/kubernetes';
import { clusterOptions, type ClusterFlags } from '../composition.js';
import { gcMayCollect } from '../run-registry.js';

/**
 * `kact gc`: deletes the pods, ConfigMaps, Secrets and Services of kact runs that are over: runs started
 * here whose process is gone, and with `--all` also runs this machine knows nothing of. A run
 * alive here (`kact run` or `kact bench`) is never touched, `--all` or not.
 */
export async function gcCommand(flags: ClusterFlags & { all: boolean }): Promise<string> {
  const connection = connectToCluster(clusterOptions(flags));
  await checkReachable(connection);
  const report = await collectGarbage(connection, (runId) => !gcMayCollect(runId, flags.all));
  const deleted = [...report.pods.map((n) => `pod ${n}`), ...report.configMaps.map((n) => `configmap ${n}`), ...report.secrets.map((n) => `secret ${n}`), ...report.services.map((n) => `service ${n}`)];
  if (deleted.length === 0) return `nothing to collect in namespace ${connection.namespace}`;
  return [`deleted in namespace ${connection.namespace}:`, ...deleted.map((d) => `  ${d}`)].join('\n');
}
