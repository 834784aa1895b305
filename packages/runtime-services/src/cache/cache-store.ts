import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteBudget, readJsonFile, removeStaleTempFiles, syncFile, writeJsonAtomic } from '../file-io.js';
import { FolderLock } from './folder-lock.js';
import { findRestoreMatch, type RestoreQuery } from './key-matching.js';

/** A finished, restorable cache archive. Immutable apart from its last access. */
export interface CacheEntry {
  id: number;
  repository: string;
  /** The ref whose job saved it (`refs/heads/main`). */
  scope: string;
  key: string;
  /** The client's hash of paths and compression: restores must ask for the same. */
  version: string;
  sizeBytes: number;
  createdAt: number;
  lastAccessedAt: number;
}

/** Who saves what: the identity an upload is reserved under. */
export interface CacheEntryName {
  repository: string;
  scope: string;
  key: string;
  version: string;
}

/** An upload in progress: invisible to restores until committed. */
export interface PendingUpload extends CacheEntryName {
  readonly id: number;
  /** The job that reserved it; only it may upload and commit. */
  readonly job: string;
  /** Where the archive's bytes go. */
  readonly path: string;
  /** Scratch space for pieces of the archive (staged blob blocks). */
  readonly scratchDir: string;
  lastActivity: number;
  /** Byte ranges [start, end) written so far by chunked (v1) uploads. */
  readonly ranges: Array<[number, number]>;
  /** Set once a whole-blob (v2) upload is complete. */
  uploadedBytes?: number;
  /** The bytes blob (v2) uploads may store, staged blocks included. */
  readonly budget: ByteBudget;
  committing: boolean;
}

export type ReserveResult = { ok: true; upload: PendingUpload } | { ok: false; reason: 'exists' | 'in-progress' | 'too-large'; message: string };

export interface CacheStoreOptions {
  /** The cap on all entries' bytes; least recently used entries go when a save passes it. Default 10 GiB, as GitHub's per repository. */
  maxBytes?: number;
  /** A reservation without upload activity for this long is dropped, so a killed job does not block its key forever. Default 10 minutes. */
  uploadIdleTimeoutMs?: number;
  /** Where recoveries (a corrupt index, missing blobs) are reported. */
  log?: (line: string) => void;
}

interface IndexFile {
  format: 1;
  nextId: number;
  entries: CacheEntry[];
}

export const defaultCacheMaxBytes = 10 * 1024 ** 3;

/**
 * The cache's entries on disk, in a folder that outlives runs:
 *   index.json          every committed entry (replaced atomically)
 *   blobs/<id>          the entries' archives
 *   uploads/<id>        archives being uploaded, discarded when the server restarts
 * An archive is synced and renamed into blobs/ before the index names it, and the index drops an
 * entry before its blob is deleted; a kill in between leaves only an orphan blob, removed at open.
 */
export class CacheStore {
  private readonly pending = new Map<number, PendingUpload>();
  private lastTick = 0;
  private indexWrite: Promise<void> = Promise.resolve();
  private queuedIndexWrite: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    private entries: CacheEntry[],
    private nextId: number,
    private readonly lock: FolderLock,
    readonly maxBytes: number,
    private readonly uploadIdleTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  static async open(dir: string, options: CacheStoreOptions = {}): Promise<CacheStore> {
    const log = options.log ?? (() => undefined);
    await mkdir(join(dir, 'blobs'), { recursive: true });
    const lock = await FolderLock.acquire(dir);
    try {
      // Half-uploaded archives of a previous server cannot be finished: their clients are gone.
      await rm(join(dir, 'uploads'), { recursive: true, force: true });
      await mkdir(join(dir, 'uploads'));
      await removeStaleTempFiles(join(dir, 'index.json'));
      const index = await readIndex(dir, log);
      const entries = await dropEntriesWithoutBlobs(dir, index.entries, log);
      await removeOrphanBlobs(dir, entries);
      const nextId = Math.max(index.nextId, ...entries.map((e) => e.id + 1), 1);
      const store = new CacheStore(dir, entries, nextId, lock, options.maxBytes ?? defaultCacheMaxBytes, options.uploadIdleTimeoutMs ?? 10 * 60_000, log);
      store.lastTick = Math.max(0, ...entries.map((e) => Math.max(e.createdAt, e.lastAccessedAt)));
      // A lowered cap applies at once rather than at the next save.
      await store.evictOver(store.maxBytes);
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Committed entries, oldest first. */
  list(): readonly CacheEntry[] {
    return this.entries;
  }

  totalBytes(): number {
    return this.entries.reduce((sum, e) => sum + e.sizeBytes, 0);
  }

  entry(id: number): CacheEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  blobPath(entry: CacheEntry): string {
    return join(this.dir, 'blobs', String(entry.id));
  }

  /** The entry a restore gets (see findRestoreMatch); finding it counts as an access for eviction. */
  findForRestore(query: RestoreQuery): CacheEntry | undefined {
    const entry = findRestoreMatch(this.entries, query);
    if (entry) {
      entry.lastAccessedAt = this.tick();
      this.writeIndexInBackground();
    }
    return entry;
  }

  /**
   * Reserves (name) for a new entry. Entries are immutable: an existing entry, or another job's
   * live upload, of the same name in the same scope refuses the reservation.
   */
  async reserve(name: CacheEntryName, job: string, announcedBytes?: number): Promise<ReserveResult> {
    this.assertOpen();
    await this.dropIdleUploads();
    if (announcedBytes !== undefined && announcedBytes > this.maxBytes) {
      return { ok: false, reason: 'too-large', message: tooLargeMessage(announcedBytes, this.maxBytes) };
    }
    const where = `Scope: ${name.scope}, Key: ${name.key}, Version: ${name.version}`;
    if (this.entries.some((e) => sameName(e, name))) return { ok: false, reason: 'exists', message: `Cache already exists. ${where}` };
    if ([...this.pending.values()].some((u) => sameName(u, name))) {
      return { ok: false, reason: 'in-progress', message: `Another job is creating this cache. ${where}` };
    }
    const id = this.nextId++;
    const upload: PendingUpload = {
      ...pick(name),
      id,
      job,
      path: join(this.dir, 'uploads', String(id)),
      scratchDir: join(this.dir, 'uploads', `${id}.parts`),
      lastActivity: Date.now(),
      ranges: [],
      budget: new ByteBudget(this.maxBytes),
      committing: false,
    };
    // Chunked uploads write at offsets into this file, so it has to exist before the first chunk.
    await writeFile(upload.path, '');
    this.pending.set(id, upload);
    return { ok: true, upload };
  }

  pendingUpload(id: number): PendingUpload | undefined {
    return this.pending.get(id);
  }

  findPendingUpload(name: CacheEntryName): PendingUpload | undefined {
    return [...this.pending.values()].find((u) => sameName(u, name));
  }

  /** Keeps a slow but live upload from being taken for abandoned. */
  touchUpload(upload: PendingUpload): void {
    upload.lastActivity = Date.now();
  }

  /**
   * Turns a complete upload of `sizeBytes` into an entry, then evicts least recently used entries
   * while the cache is over its cap. Throws (and drops the upload) when the bytes on disk differ.
   */
  async commit(upload: PendingUpload, sizeBytes: number): Promise<CacheEntry> {
    this.assertOpen();
    if (upload.committing || this.pending.get(upload.id) !== upload) throw new CacheCommitError(`upload ${upload.id} is not pending`);
    upload.committing = true;
    try {
      const onDisk = (await stat(upload.path)).size;
      if (onDisk !== sizeBytes) throw new CacheCommitError(`uploaded ${onDisk} bytes but ${sizeBytes} were committed`);
      if (sizeBytes > this.maxBytes) throw new CacheCommitError(tooLargeMessage(sizeBytes, this.maxBytes));
      await syncFile(upload.path);
      await rename(upload.path, join(this.dir, 'blobs', String(upload.id)));
    } catch (error) {
      await this.abandon(upload);
      throw error;
    }
    const now = this.tick();
    const entry: CacheEntry = { ...pick(upload), id: upload.id, sizeBytes, createdAt: now, lastAccessedAt: now };
    this.pending.delete(upload.id);
    this.entries.push(entry);
    await rm(upload.scratchDir, { recursive: true, force: true });
    await this.evictOver(this.maxBytes);
    await this.writeIndex();
    return entry;
  }

  /** Drops an upload and its bytes. */
  async abandon(upload: PendingUpload): Promise<void> {
    if (this.pending.get(upload.id) === upload) this.pending.delete(upload.id);
    await rm(upload.path, { force: true });
    await rm(upload.scratchDir, { recursive: true, force: true });
  }

  /** Waits for index writes and gives the folder up for another server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const upload of [...this.pending.values()]) await this.abandon(upload);
    await this.indexWrite;
    await this.lock.release();
  }

  private async evictOver(maxBytes: number): Promise<void> {
    let total = this.totalBytes();
    const evicted: CacheEntry[] = [];
    // The newest access goes last, so the entry just saved is never its own victim.
    const byAccess = [...this.entries].sort((a, b) => a.lastAccessedAt - b.lastAccessedAt);
    for (const entry of byAccess) {
      if (total <= maxBytes) break;
      evicted.push(entry);
      total -= entry.sizeBytes;
    }
    if (evicted.length === 0) return;
    this.entries = this.entries.filter((e) => !evicted.includes(e));
    // The index must stop naming a blob before the blob goes.
    await this.writeIndex();
    for (const entry of evicted) {
      this.log(`cache: evicted '${entry.key}' (${entry.sizeBytes} bytes, ${entry.scope}) to stay under ${maxBytes} bytes`);
      await rm(this.blobPath(entry), { force: true });
    }
  }

  private async dropIdleUploads(): Promise<void> {
    const cutoff = Date.now() - this.uploadIdleTimeoutMs;
    for (const upload of [...this.pending.values()]) {
      if (!upload.committing && upload.lastActivity < cutoff) await this.abandon(upload);
    }
  }

  /** Strictly increasing milliseconds, so "newest" and "least recently used" never tie. */
  private tick(): number {
    this.lastTick = Math.max(Date.now(), this.lastTick + 1);
    return this.lastTick;
  }

  /** Index writes run one at a time; callers arriving while one waits share it (it writes the latest state). */
  private writeIndex(): Promise<void> {
    if (this.queuedIndexWrite) return this.queuedIndexWrite;
    const write = this.indexWrite.then(() => {
      this.queuedIndexWrite = undefined;
      const index: IndexFile = { format: 1, nextId: this.nextId, entries: this.entries };
      return writeJsonAtomic(join(this.dir, 'index.json'), index);
    });
    this.queuedIndexWrite = write;
    this.indexWrite = write.catch(() => undefined);
    return write;
  }

  /** For access times only: losing one to a failed write costs a slightly worse eviction choice. */
  private writeIndexInBackground(): void {
    this.writeIndex().catch((error: unknown) => this.log(`cache: could not write the index: ${(error as Error).message}`));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('cache store is closed');
  }
}

/** A commit the store refused: the protocols answer it as a client error. */
export class CacheCommitError extends Error {}

function tooLargeMessage(size: number, max: number): string {
  return `Cache size of ~${Math.round(size / (1024 * 1024))} MB (${size} B) is over the cache limit of ${max} B, not saving cache.`;
}

function sameName(a: CacheEntryName, b: CacheEntryName): boolean {
  return a.repository === b.repository && a.scope === b.scope && a.key === b.key && a.version === b.version;
}

function pick(name: CacheEntryName): CacheEntryName {
  return { repository: name.repository, scope: name.scope, key: name.key, version: name.version };
}

async function readIndex(dir: string, log: (line: string) => void): Promise<IndexFile> {
  const path = join(dir, 'index.json');
  try {
    const index = await readJsonFile(path);
    if (index === undefined) return { format: 1, nextId: 1, entries: [] };
    if (isIndexFile(index)) return index;
    throw new SyntaxError('not a cache index');
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Atomic replacement makes this unlikely; a cache is worth less than a run that cannot start.
    const aside = `${path}.corrupt-${Date.now()}`;
    await rename(path, aside);
    log(`cache: ${path} is unreadable (${error.message}); moved to ${aside}, starting empty`);
    return { format: 1, nextId: 1, entries: [] };
  }
}

function isIndexFile(value: unknown): value is IndexFile {
  const index = value as Partial<IndexFile> | null;
  return typeof index === 'object' && index !== null && index.format === 1 && typeof index.nextId === 'number' && Array.isArray(index.entries);
}

async function dropEntriesWithoutBlobs(dir: string, entries: CacheEntry[], log: (line: string) => void): Promise<CacheEntry[]> {
  const blobs = new Set(await readdir(join(dir, 'blobs')));
  const kept = entries.filter((e) => blobs.has(String(e.id)));
  for (const entry of entries) if (!kept.includes(entry)) log(`cache: dropped '${entry.key}', its archive is missing`);
  return kept;
}

async function removeOrphanBlobs(dir: string, entries: CacheEntry[]): Promise<void> {
  const known = new Set(entries.map((e) => String(e.id)));
  for (const name of await readdir(join(dir, 'blobs'))) {
    if (!known.has(name)) await rm(join(dir, 'blobs', name), { recursive: true, force: true });
  }
}
