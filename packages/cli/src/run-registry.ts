import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where live runs leave their pid, so `kact gc` can tell a dead run's leftovers from a live run. */
const registryDir = () => join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'kact', 'runs');
/**
 * Where each run's objects are (runScope), beside the registry rather than in its files, whose
 * content (the pid alone) every kact version reads.
 */
const scopesDir = () => join(registryDir(), '..', 'run-scopes');

/** Where a run's objects live: the cluster's API server and the namespace. */
export function runScope(connection: { server: string; namespace: string }): string {
  return `${connection.server} ${connection.namespace}`;
}

/** Records that this process runs `runId` (with its objects in `scope`); the returned function forgets it. */
export function registerRun(runId: string, scope?: string): () => void {
  const file = join(registryDir(), runId);
  mkdirSync(registryDir(), { recursive: true });
  if (scope !== undefined) {
    mkdirSync(scopesDir(), { recursive: true });
    writeFileSync(join(scopesDir(), runId), scope);
  }
  writeFileSync(file, String(process.pid));
  return () => forgetRun(runId);
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

/** A run started on this machine whose process is gone. */
export interface DeadRun {
  runId: string;
  /** Registered with the scope asked about: once it is collected there, nothing of it is left. */
  here: boolean;
}

/**
 * The runs started on this machine whose process is gone (what `kact gc` without `--all` may
 * collect: gcMayCollect(runId, false)) that may have left objects in `scope`: registered with
 * it, or with no scope recorded. Read from the registry alone: no cluster call.
 */
export function deadRuns(scope: string): DeadRun[] {
  let names: string[];
  try {
    names = readdirSync(registryDir());
  } catch {
    return [];
  }
  const dead: DeadRun[] = [];
  for (const runId of names) {
    if (runLiveness(runId) !== 'dead') continue;
    let recorded: string | undefined;
    try {
      recorded = readFileSync(join(scopesDir(), runId), 'utf8');
    } catch {
      recorded = undefined;
    }
    if (recorded === undefined || recorded === scope) dead.push({ runId, here: recorded === scope });
  }
  return dead;
}

/** Drops a run from the registry (its own end, or a dead run once nothing of it is left). */
export function forgetRun(runId: string): void {
  rmSync(join(registryDir(), runId), { force: true });
  rmSync(join(scopesDir(), runId), { force: true });
}
