import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where live runs leave their pid, so `kact gc` can tell a dead run's leftovers from a live run. */
const registryDir = () => join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'kact', 'runs');

/** Records that this process runs `runId`; the returned function forgets it. */
export function registerRun(runId: string): () => void {
  const file = join(registryDir(), runId);
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

export type RunLiveness = 'alive' | 'dead' | 'unknown';

/** A run started on this machine is alive while its process is; runs from elsewhere are unknown. */
export function runLiveness(runId: string): RunLiveness {
  let pid: number;
  try {
    pid = Number(readFileSync(join(registryDir(), runId), 'utf8'));
  } catch {
    return 'unknown';
  }
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch {
    return 'dead';
  }
}

/**
 * Whether `kact gc` may delete what a run left: never while the run is alive here (`kact run`
 * and `kact bench` both register theirs), always once its process is gone, and for runs this
 * machine knows nothing of (started elsewhere, or before the registry was cleared) only with
 * `--all`.
 */
export function gcMayCollect(runId: string, all: boolean): boolean {
  const liveness = runLiveness(runId);
  return liveness === 'dead' || (liveness === 'unknown' && all);
}
