import type { IncomingMessage } from 'node:http';
import { HttpError, readJson, sendJson, type Route } from '../http-kit.js';
import { downloadUrlOf, uploadUrlOf, validKey, validVersion, type CacheServiceContext } from './cache-service-context.js';
import { CacheCommitError } from './cache-store.js';
import type { CacheJobScopes } from './job-scopes.js';

const servicePath = '/twirp/github.actions.results.api.v1.CacheService/';

/**
 * The cache service v2 (`ACTIONS_CACHE_SERVICE_V2` + `ACTIONS_RESULTS_URL`, github.com today):
 * Twirp JSON with proto field names; archives move through signed blob URLs.
 */
export function twirpCacheApi(context: CacheServiceContext): Route {
  return async ({ req, res, url }) => {
    if (!url.pathname.startsWith(servicePath)) return false;
    const method = url.pathname.slice(servicePath.length);
    if (req.method !== 'POST') throw new HttpError(405, 'Twirp methods are POSTed');
    const scopes = context.jobs.authorize(req, context.credentials);
    if (method === 'CreateCacheEntry') sendJson(res, 200, await createCacheEntry(context, scopes, req, url));
    else if (method === 'FinalizeCacheEntryUpload') sendJson(res, 200, await finalizeCacheEntryUpload(context, scopes, req));
    else if (method === 'GetCacheEntryDownloadURL') sendJson(res, 200, await getCacheEntryDownloadUrl(context, scopes, req, url));
    else throw new HttpError(404, `no such method: CacheService/${method}`);
    return true;
  };
}

interface TwirpCacheRequest {
  key?: unknown;
  version?: unknown;
  restore_keys?: unknown;
  restoreKeys?: unknown;
  size_bytes?: unknown;
  sizeBytes?: unknown;
}

async function createCacheEntry(context: CacheServiceContext, scopes: CacheJobScopes, req: IncomingMessage, base: URL) {
  const body = await readJson<TwirpCacheRequest>(req);
  const name = { repository: scopes.repository, scope: scopes.saveScope, key: validKey(body.key), version: validVersion(body.version) };
  const result = await context.store.reserve(name, scopes.job);
  // GitHub's words for this conflict; the client reports it as "another job may be creating this cache".
  if (!result.ok) throw new HttpError(409, 'cache entry with the same key, version, and scope already exists');
  return { ok: true, signed_upload_url: uploadUrlOf(context, result.upload, base) };
}

async function finalizeCacheEntryUpload(context: CacheServiceContext, scopes: CacheJobScopes, req: IncomingMessage) {
  const body = await readJson<TwirpCacheRequest>(req);
  const name = { repository: scopes.repository, scope: scopes.saveScope, key: validKey(body.key), version: validVersion(body.version) };
  const size = Number(body.size_bytes ?? body.sizeBytes);
  const upload = context.store.findPendingUpload(name);
  // `ok: false` with a message is shown to the user as a plain warning.
  if (!upload || upload.job !== scopes.job || upload.committing) return { ok: false, message: `No cache entry with key ${name.key} is being uploaded by this job.` };
  if (upload.uploadedBytes === undefined) return { ok: false, message: `The archive of cache entry ${name.key} was not uploaded.` };
  if (!Number.isSafeInteger(size) || size < 0) throw new HttpError(400, 'size_bytes is missing');
  try {
    const entry = await context.store.commit(upload, size);
    return { ok: true, entry_id: String(entry.id) };
  } catch (error) {
    if (error instanceof CacheCommitError) return { ok: false, message: `Failed to finalize cache entry ${name.key}: ${error.message}` };
    throw error;
  }
}

async function getCacheEntryDownloadUrl(context: CacheServiceContext, scopes: CacheJobScopes, req: IncomingMessage, base: URL) {
  const body = await readJson<TwirpCacheRequest>(req);
  const restoreKeys = body.restore_keys ?? body.restoreKeys ?? [];
  if (!Array.isArray(restoreKeys)) throw new HttpError(400, 'restore_keys must be a list');
  const entry = context.store.findForRestore({
    repository: scopes.repository,
    scopes: scopes.restoreScopes,
    version: validVersion(body.version),
    primaryKey: validKey(body.key),
    restoreKeys: restoreKeys.map((key) => validKey(key, 'restore key')),
  });
  // A miss is an ordinary answer, not an error: the client then reports "cache not found".
  if (!entry) return { ok: false, signed_download_url: '', matched_key: '' };
  return { ok: true, signed_download_url: downloadUrlOf(context, entry, base), matched_key: entry.key };
}
