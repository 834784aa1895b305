/** The fields of a cache entry that decide whether a restore finds it. */
export interface MatchableEntry {
  repository: string;
  scope: string;
  key: string;
  version: string;
  /** Creation order: the newest of several prefix matches wins. */
  createdAt: number;
}

export interface RestoreQuery {
  repository: string;
  /** Scopes in the order they are searched (the job's own ref first). */
  scopes: readonly string[];
  version: string;
  primaryKey: string;
  restoreKeys: readonly string[];
}

/**
 * GitHub's documented matching: in the job's own scope first, then each further scope in turn,
 * an exact match of the primary key, else the newest entry whose key starts with the primary key,
 * else, restore key by restore key, the newest entry starting with it. Only entries of the same
 * version (paths + compression) count, so a restore never unpacks an archive of other paths.
 */
export function findRestoreMatch<T extends MatchableEntry>(entries: readonly T[], query: RestoreQuery): T | undefined {
  for (const scope of query.scopes) {
    const candidates = entries.filter((e) => e.repository === query.repository && e.scope === scope && e.version === query.version);
    if (candidates.length === 0) continue;
    const exact = candidates.find((e) => e.key === query.primaryKey);
    if (exact) return exact;
    for (const prefix of [query.primaryKey, ...query.restoreKeys]) {
      const newest = newestWithPrefix(candidates, prefix);
      if (newest) return newest;
    }
  }
  return undefined;
}

function newestWithPrefix<T extends MatchableEntry>(entries: readonly T[], prefix: string): T | undefined {
  let newest: T | undefined;
  for (const entry of entries) {
    if (entry.key.startsWith(prefix) && (!newest || entry.createdAt > newest.createdAt)) newest = entry;
  }
  return newest;
}
