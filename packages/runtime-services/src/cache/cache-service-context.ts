import { HttpError, type RunCredentials } from '../http-kit.js';
import { blobUrl, type BlobDownload, type BlobUpload } from '../blob-endpoint.js';
import type { CacheEntry, CacheStore, PendingUpload } from './cache-store.js';
import type { CacheJobRegistry } from './job-scopes.js';

/** What both cache protocols work with. */
export interface CacheServiceContext {
  store: CacheStore;
  credentials: RunCredentials;
  jobs: CacheJobRegistry;
  /** Path prefix of the blob URLs, `/kact/cache/blobs/`. */
  blobPrefix: string;
}

/** A signed URL the client downloads the entry's archive from, anonymously. */
export function downloadUrlOf(context: CacheServiceContext, entry: CacheEntry, base: URL): string {
  return blobUrl(context.credentials, base, context.blobPrefix, 'download', String(entry.id)).href;
}

/** A signed URL the Azure blob SDK uploads the reserved archive to. */
export function uploadUrlOf(context: CacheServiceContext, upload: PendingUpload, base: URL): string {
  return blobUrl(context.credentials, base, context.blobPrefix, 'upload', String(upload.id)).href;
}

/** Where the blob endpoint writes an upload URL's bytes; undefined once the upload is finished or gone. */
export function blobUploadOf(context: CacheServiceContext, id: string): BlobUpload | undefined {
  const upload = context.store.pendingUpload(Number(id));
  if (!upload || upload.committing) return undefined;
  return {
    blobPath: upload.path,
    blockDir: upload.scratchDir,
    budget: upload.budget,
    onActivity: () => context.store.touchUpload(upload),
    onComplete: (blob) => {
      upload.uploadedBytes = blob.size;
    },
  };
}

export function blobDownloadOf(context: CacheServiceContext, id: string): BlobDownload | undefined {
  const entry = context.store.entry(Number(id));
  return entry && { path: context.store.blobPath(entry) };
}

/** The client's own limits (512 characters, no commas), checked again because not every client is GitHub's. */
export function validKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key === '') throw new HttpError(400, `${what} is missing`);
  if (key.length > 512) throw new HttpError(400, `${what} is longer than 512 characters`);
  if (key.includes(',')) throw new HttpError(400, `${what} cannot contain commas`);
  return key;
}

export function validVersion(version: unknown): string {
  if (typeof version !== 'string' || version === '') throw new HttpError(400, 'version is missing');
  if (version.length > 512) throw new HttpError(400, 'version is longer than 512 characters');
  return version;
}
