import { blobEndpoint, blobUrl } from '../blob-endpoint.js';
import type { Route, RunCredentials } from '../http-kit.js';
import type { ArtifactRecord, ArtifactStore } from './artifact-store.js';

/*
 * The URLs CreateArtifact and GetSignedArtifactURL hand out stand in for Azure blob SAS URLs:
 * `<prefix>upload/<run>/<id>`, and `<prefix>download/<run>/<id>/<file name>` for a finalized
 * artifact. The run and the artifact id are in the path, which the signature covers.
 */
const PREFIX = '/kact/artifacts/v4/';
const UPLOAD_ID = /^([^/]+)\/(\d+)$/;
const DOWNLOAD_ID = /^([^/]+)\/(\d+)\/[^/]+$/;

/** The signed URL the client uploads the artifact's blob to. */
export function signedUploadUrl(base: URL, record: ArtifactRecord, credentials: RunCredentials, ttlMs?: number): URL {
  return blobUrl(credentials, base, PREFIX, 'upload', `${record.runBackendId}/${record.id}`, ttlMs);
}

/** The signed URL the client downloads a finalized artifact from; it ends in the file's name, for people using curl. */
export function signedDownloadUrl(base: URL, record: ArtifactRecord, credentials: RunCredentials, ttlMs?: number): URL {
  return blobUrl(credentials, base, PREFIX, 'download', `${record.runBackendId}/${record.id}/${encodeURIComponent(record.fileName)}`, ttlMs);
}

/** Serves the signed upload and download URLs. */
export function blobEndpoints(store: ArtifactStore, credentials: RunCredentials): Route {
  return blobEndpoint({
    credentials,
    pathPrefix: PREFIX,
    upload: async (id) => {
      const match = UPLOAD_ID.exec(id);
      return match ? store.blobUpload(match[1]!, Number(match[2])) : undefined;
    },
    download: async (id) => {
      const match = DOWNLOAD_ID.exec(id);
      const [record] = match ? await store.list(match[1]!, { id: Number(match[2]) }) : [];
      if (!record) return undefined;
      return {
        path: store.filePath(record),
        contentType: record.mimeType,
        fileName: record.fileName,
        etag: `"0x${(record.digest ?? '').replace(/^sha256:/, '').slice(0, 16).toUpperCase()}"`,
      };
    },
  });
}
