import { checkReachable, collectGarbage, connectToCluster, isHttpStatus, messageOf, type GcReport, type KubeConnection } from '@kact/kubernetes';
import { clusterOptions, type ClusterFlags } from '../composition.js';
import { deadRuns, forgetRun, gcMayCollect, runScope } from '../run-registry.js';

/**
 * `kact gc`: deletes the pods, ConfigMaps, Secrets and Services of kact runs that are over: runs started
 * here whose process is gone, and with `--all` also runs this machine knows nothing of. A run
 * alive here (`kact run` or `kact bench`) is never touched, `--all` or not.
 */
export async function gcCommand(flags: ClusterFlags & { all: boolean }): Promise<string> {
  const connection = connectToCluster(clusterOptions(flags));
  await checkReachable(connection);
  const report = await collectGarbage(connection, (runId) => !gcMayCollect(runId, flags.all));
  const deleted = deletedObjects(report);
  if (deleted.length === 0) return `nothing to collect in namespace ${connection.namespace}`;
  return [`deleted in namespace ${connection.namespace}:`, ...deleted.map((d) => `  ${d}`)].join('\n');
}

function deletedObjects(report: GcReport): string[] {
  return [...report.pods.map((n) => `pod ${n}`), ...report.configMaps.map((n) => `configmap ${n}`), ...report.secrets.map((n) => `secret ${n}`), ...report.services.map((n) => `service ${n}`)];
}

/** Objects named in the line `kact run` prints; the rest are counted. */
const NAMED = 5;

/**
 * What `kact run` collects before its jobs start: exactly what `kact gc` without `--all` would
 * (runs started on this machine whose process is gone; never a run alive here, never one this
 * machine knows nothing of). With no such run in the registry it makes no cluster call at all;
 * a run collected here is dropped from the registry, so the next run makes none either.
 * Resolves with the one line to print, if any; never rejects: a failure (a Role that may not
 * list or delete) is a warning, not the run's failure.
 */
export async function collectBeforeRun(connection: KubeConnection): Promise<string | undefined> {
  const scope = runScope(connection);
  const dead = deadRuns(scope);
  if (dead.length === 0) return undefined;
  let report: GcReport;
  try {
    report = await collectGarbage(connection, (runId) => !gcMayCollect(runId, false));
  } catch (error) {
    const why = isHttpStatus(error, 403) ? `kact may not list or delete them in namespace ${connection.namespace}` : messageOf(error);
    return `warning: could not remove what earlier runs left (${why}); \`kact gc\` removes it`;
  }
  // Everything of theirs in this namespace is gone, and they made nothing elsewhere.
  for (const run of dead) if (run.here) forgetRun(run.runId);
  const deleted = deletedObjects(report);
  if (deleted.length === 0) return undefined;
  const named = deleted.slice(0, NAMED).join(', ');
  const more = deleted.length > NAMED ? ` and ${deleted.length - NAMED} more` : '';
  return `removed ${deleted.length} object${deleted.length === 1 ? '' : 's'} left by runs that are over: ${named}${more}`;
}
