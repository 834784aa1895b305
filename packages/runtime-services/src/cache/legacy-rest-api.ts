import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJson, sendJson, type Route } from '../http-kit.js';
import { downloadUrlOf, validKey, validVersion, type CacheServiceContext } from './cache-service-context.js';
import { CacheCommitError, type PendingUpload } from './cache-store.js';
import type { CacheJobScopes } from './job-scopes.js';
import { streamToFile } from '../file-io.js';

/**
 * The cache service v1 (`ACTIONS_CACHE_URL`, used by actions/cache@v3 and on GHES):
 *   GET   cache?keys=k1,k2&version=v   lookup; 204 on a miss
 *   GET   caches?key=k                 the entries of a key (the client lists them when debugging a miss)
 *   POST  caches                       reserve {key, version, cacheSize} -> {cacheId}
 *   PATCH caches/:id                   one chunk, `Content-Range: bytes a-b/*`, chunks arrive in parallel
 *   POST  caches/:id                   commit {size}
 * all under `<prefix>_apis/artifactcache/`.
 */
export function legacyCacheApi(context: CacheServiceContext, pathPrefix: string): Route {
  const apiPrefix = `${pathPrefix}_apis/artifactcache/`;
  return async ({ req, res, url }) => {
    if (!url.pathname.startsWith(apiPrefix)) return false;
    const scopes = context.jobs.authorize(req, context.credentials);
    const resource = url.pathname.slice(apiPrefix.length);
    const id = /^caches\/(\d+)$/.exec(resource)?.[1];
    if (req.method === 'GET' && resource === 'cache') lookup(context, scopes, url, res);
    else if (req.method === 'GET' && resource === 'caches') list(context, scopes, url, res);
    else if (req.method === 'POST' && resource === 'caches') await reserve(context, scopes, req, res);
    else if (req.method === 'PATCH' && id) await uploadChunk(context, ownUpload(context, scopes, id), req, res);
    else if (req.method === 'POST' && id) await commit(context, ownUpload(context, scopes, id), req, res);
    else throw new HttpError(404, `no such cache endpoint: ${req.method} ${url.pathname}`);
    return true;
  };
}

function lookup(context: CacheServiceContext, scopes: CacheJobScopes, url: URL, res: ServerResponse): void {
  const [primaryKey, ...restoreKeys] = (url.searchParams.get('keys') ?? '').split(',').map((key, i) => validKey(key, i === 0 ? 'key' : 'restore key'));
  const version = validVersion(url.searchParams.get('version'));
  const entry = context.store.findForRestore({ repository: scopes.repository, scopes: scopes.restoreScopes, version, primaryKey: primaryKey!, restoreKeys });
  if (!entry) {
    res.writeHead(204);
    res.end();
    return;
  }
  sendJson(res, 200, {
    cacheKey: entry.key,
    scope: entry.scope,
    cacheVersion: entry.version,
    creationTime: new Date(entry.createdAt).toISOString(),
    archiveLocation: downloadUrlOf(context, entry, url),
  });
}

function list(context: CacheServiceContext, scopes: CacheJobScopes, url: URL, res: ServerResponse): void {
  const key = validKey(url.searchParams.get('key'));
  const entries = context.store.list().filter((e) => e.repository === scopes.repository && scopes.restoreScopes.includes(e.scope) && e.key === key);
  sendJson(res, 200, {
    totalCount: entries.length,
    artifactCaches: entries.map((e) => ({ cacheKey: e.key, cacheVersion: e.version, scope: e.scope, creationTime: new Date(e.createdAt).toISOString() })),
  });
}

async function reserve(context: CacheServiceContext, scopes: CacheJobScopes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson<{ key?: unknown; version?: unknown; cacheSize?: unknown }>(req);
  const name = { repository: scopes.repository, scope: scopes.saveScope, key: validKey(body.key), version: validVersion(body.version) };
  const result = await context.store.reserve(name, scopes.job, typeof body.cacheSize === 'number' ? body.cacheSize : undefined);
  // The client shows a 400's message as is, and a 409 as "another job may be creating this cache".
  if (!result.ok) throw new HttpError(result.reason === 'too-large' ? 400 : 409, result.message);
  sendJson(res, 201, { cacheId: result.upload.id });
}

async function uploadChunk(context: CacheServiceContext, upload: PendingUpload, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const range = /^bytes (\d+)-(\d+)\/(\*|\d+)$/.exec(req.headers['content-range'] ?? '');
  if (!range) throw new HttpError(400, 'Content-Range must be "bytes start-end/*"');
  const start = Number(range[1]);
  const end = Number(range[2]) + 1;
  if (end <= start) throw new HttpError(400, `empty range ${req.headers['content-range']}`);
  if (end > context.store.maxBytes) throw new HttpError(413, `chunk ends past the cache limit of ${context.store.maxBytes} bytes`);
  context.store.touchUpload(upload);
  await streamToFile(req, upload.path, { start, length: end - start });
  upload.ranges.push([start, end]);
  context.store.touchUpload(upload);
  res.writeHead(204);
  res.end();
}

async function commit(context: CacheServiceContext, upload: PendingUpload, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { size } = await readJson<{ size?: unknown }>(req);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new HttpError(400, 'size is missing');
  if (!coversFromZero(upload.ranges, size)) throw new HttpError(400, `the uploaded chunks do not cover the ${size} bytes committed`);
  try {
    await context.store.commit(upload, size);
  } catch (error) {
    if (error instanceof CacheCommitError) throw new HttpError(400, error.message);
    throw error;
  }
  res.writeHead(204);
  res.end();
}

/** The job's own reservation: another job's cache id is as unknown as a made-up one. */
function ownUpload(context: CacheServiceContext, scopes: CacheJobScopes, id: string): PendingUpload {
  const upload = context.store.pendingUpload(Number(id));
  if (!upload || upload.job !== scopes.job || upload.committing) throw new HttpError(404, `no cache reservation ${id} of this job`);
  return upload;
}

/** Whether the written ranges leave no gap in [0, size). */
function coversFromZero(ranges: ReadonlyArray<[number, number]>, size: number): boolean {
  let covered = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start > covered) break;
    covered = Math.max(covered, end);
  }
  return covered >= size;
}
