import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheStore, type CacheEntryName } from './cache-store.js';
import { findRestoreMatch } from './key-matching.js';
import { scopesFor } from './job-scopes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kact-cache-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const name = (key: string, scope = 'refs/heads/main'): CacheEntryName => ({ repository: 'octo/hello', scope, key, version: 'v1' });
const query = (primaryKey: string, restoreKeys: string[] = []) => ({ repository: 'octo/hello', scopes: ['refs/heads/main'], version: 'v1', primaryKey, restoreKeys });

async function save(store: CacheStore, key: string, content = key): Promise<void> {
  const reserved = await store.reserve(name(key), 'job');
  if (!reserved.ok) throw new Error(reserved.message);
  await writeFile(reserved.upload.path, content);
  await store.commit(reserved.upload, Buffer.byteLength(content));
}

describe('CacheStore', () => {
  it('hides an entry until its upload is committed, and refuses a second upload of it meanwhile', async () => {
    const store = await CacheStore.open(dir);
    try {
      const reserved = await store.reserve(name('k'), 'job-1');
      if (!reserved.ok) throw new Error(reserved.message);
      await writeFile(reserved.upload.path, 'bytes');

      expect(store.findForRestore(query('k'))).toBeUndefined();
      expect(await store.reserve(name('k'), 'job-2')).toMatchObject({ ok: false, reason: 'in-progress' });

      await store.commit(reserved.upload, 5);
      expect(store.findForRestore(query('k'))?.key).toBe('k');
      expect(await store.reserve(name('k'), 'job-2')).toMatchObject({ ok: false, reason: 'exists' });
    } finally {
      await store.close();
    }
  });

  it('refuses to commit an upload whose bytes differ from the size the client declares', async () => {
    const store = await CacheStore.open(dir);
    try {
      const reserved = await store.reserve(name('k'), 'job');
      if (!reserved.ok) throw new Error(reserved.message);
      await writeFile(reserved.upload.path, 'short');
      await expect(store.commit(reserved.upload, 999)).rejects.toThrow(/uploaded 5 bytes but 999/);
      expect(store.list()).toEqual([]);
      // The failed upload does not block the key.
      expect((await store.reserve(name('k'), 'job')).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('frees the key of an upload that went idle (a job killed mid-save)', async () => {
    const store = await CacheStore.open(dir, { uploadIdleTimeoutMs: 20 });
    try {
      expect((await store.reserve(name('k'), 'killed-job')).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect((await store.reserve(name('k'), 'next-job')).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('reopens cleanly after a kill mid-write: entries kept, torn temp files, half uploads and orphan blobs gone', async () => {
    const first = await CacheStore.open(dir);
    await save(first, 'kept');
    await first.close();
    // What a kill leaves: a half-written index replacement, an upload, a blob renamed in but never indexed.
    await writeFile(join(dir, 'index.json.4242.deadbeef.tmp'), '{"format":1,"entr');
    await writeFile(join(dir, 'uploads', '77'), 'half');
    await writeFile(join(dir, 'blobs', '78'), 'orphan');

    const reopened = await CacheStore.open(dir);
    try {
      expect(reopened.list().map((e) => e.key)).toEqual(['kept']);
      expect(reopened.findForRestore(query('kept'))).toBeDefined();
      expect(await readdir(dir)).not.toContain('index.json.4242.deadbeef.tmp');
      expect(await readdir(join(dir, 'uploads'))).toEqual([]);
      expect(existsSync(join(dir, 'blobs', '78'))).toBe(false);
      // A new entry does not reuse the id of the orphan or the existing entry.
      await save(reopened, 'next');
      expect(new Set(reopened.list().map((e) => e.id)).size).toBe(2);
    } finally {
      await reopened.close();
    }
  });

  it('sets an unreadable index aside and starts empty rather than failing the run', async () => {
    await writeFile(join(dir, 'index.json'), 'not json');
    const lines: string[] = [];
    const store = await CacheStore.open(dir, { log: (line) => lines.push(line) });
    try {
      expect(store.list()).toEqual([]);
      expect((await readdir(dir)).some((f) => f.startsWith('index.json.corrupt-'))).toBe(true);
      expect(lines.join('\n')).toMatch(/unreadable/);
    } finally {
      await store.close();
    }
  });

  it('refuses a second server on a folder in use, and takes over the lock of a dead one', async () => {
    const store = await CacheStore.open(dir);
    await expect(CacheStore.open(dir)).rejects.toThrow(/already open/);
    await store.close();

    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, host: hostname() }));
    await expect(CacheStore.open(dir)).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));

    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: dead.pid, host: hostname() }));
    const takenOver = await CacheStore.open(dir);
    await takenOver.close();
  });

  it('evicts at open when the cap was lowered since the entries were saved', async () => {
    const roomy = await CacheStore.open(dir);
    await save(roomy, 'old', 'x'.repeat(60));
    await save(roomy, 'new', 'y'.repeat(60));
    await roomy.close();

    const tight = await CacheStore.open(dir, { maxBytes: 100 });
    try {
      expect(tight.list().map((e) => e.key)).toEqual(['new']);
    } finally {
      await tight.close();
    }
  });
});

describe('restore matching (GitHub rules)', () => {
  const entry = (key: string, scope: string, createdAt: number) => ({ repository: 'r', scope, key, version: 'v', createdAt });

  it('searches the job’s own ref, then a pull request’s base branch, then the default branch, never a sibling', () => {
    const scopes = scopesFor({ repository: 'r', ref: 'refs/pull/7/merge', baseRef: 'release', defaultBranch: 'main' }).restoreScopes;
    expect(scopes).toEqual(['refs/pull/7/merge', 'refs/heads/release', 'refs/heads/main']);
    const entries = [entry('k', 'refs/heads/feature', 1), entry('k', 'refs/heads/main', 2), entry('k', 'refs/heads/release', 3)];
    expect(findRestoreMatch(entries, { repository: 'r', scopes, version: 'v', primaryKey: 'k', restoreKeys: [] })?.scope).toBe('refs/heads/release');
    expect(findRestoreMatch([entries[0]!], { repository: 'r', scopes, version: 'v', primaryKey: 'k', restoreKeys: [] })).toBeUndefined();
  });

  it('prefers a restore-key match on the own branch over an exact match on the default branch', () => {
    const scopes = ['refs/heads/feature', 'refs/heads/main'];
    const entries = [entry('deps-1', 'refs/heads/main', 1), entry('deps-0', 'refs/heads/feature', 2)];
    expect(findRestoreMatch(entries, { repository: 'r', scopes, version: 'v', primaryKey: 'deps-1', restoreKeys: ['deps-'] })?.key).toBe('deps-0');
  });

  it('takes an exact primary key over newer entries it prefixes, and prefix-matches the primary key before restore keys', () => {
    const scopes = ['refs/heads/main'];
    const entries = [entry('deps', 'refs/heads/main', 1), entry('deps-extra', 'refs/heads/main', 2), entry('other', 'refs/heads/main', 3)];
    expect(findRestoreMatch(entries, { repository: 'r', scopes, version: 'v', primaryKey: 'deps', restoreKeys: [] })?.key).toBe('deps');
    expect(findRestoreMatch(entries.slice(1), { repository: 'r', scopes, version: 'v', primaryKey: 'deps', restoreKeys: ['o'] })?.key).toBe('deps-extra');
  });

  it('never sees another repository’s entries', () => {
    expect(findRestoreMatch([entry('k', 'refs/heads/main', 1)], { repository: 'other', scopes: ['refs/heads/main'], version: 'v', primaryKey: 'k', restoreKeys: [] })).toBeUndefined();
  });
});
