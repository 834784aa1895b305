import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { HttpError, readBody, type Route, type RunCredentials } from '../http-kit.js';
import type { ArtifactRecord, ArtifactStore } from './artifact-store.js';
import { MAX_BLOCKS } from './artifact-store.js';
import { parseBlockList } from '../block-list.js';
import { isNotFound, type WrittenFile } from './file-io.js';

/*
 * The URLs CreateArtifact and GetSignedArtifactURL hand out stand in for Azure blob SAS URLs:
 * the client uploads with the Azure blob SDK and downloads with a plain GET. The run and the
 * artifact id are in the path, which the signature covers; the SDK adds its own parameters
 * (`comp`, `blockid`), which it does not.
 */
const UPLOAD_PATH = /^\/kact\/artifacts\/v4\/upload\/([^/]+)\/(\d+)$/;
const DOWNLOAD_PATH = /^\/kact\/artifacts\/v4\/download\/([^/]+)\/(\d+)\/[^/]+$/;

/** The Put Block List body: 50,000 ids of at most 128 characters, in XML. */
const MAX_BLOCK_LIST_BYTES = MAX_BLOCKS * 160 + 4096;

/** The signed URL the client uploads the artifact's blob to. */
export function signedUploadUrl(base: URL, record: ArtifactRecord, credentials: RunCredentials, ttlMs?: number): URL {
  return credentials.sign(new URL(`/kact/artifacts/v4/upload/${record.runBackendId}/${record.id}`, base.origin), ttlMs);
}

/** The signed URL the client downloads a finalized artifact from; it ends in the file's name, for people using curl. */
export function signedDownloadUrl(base: URL, record: ArtifactRecord, credentials: RunCredentials, ttlMs?: number): URL {
  return credentials.sign(new URL(`/kact/artifacts/v4/download/${record.runBackendId}/${record.id}/${encodeURIComponent(record.fileName)}`, base.origin), ttlMs);
}

/** Serves the signed upload and download URLs. */
export function blobEndpoints(store: ArtifactStore, credentials: RunCredentials): Route {
  return async ({ req, res, url }) => {
    const upload = UPLOAD_PATH.exec(url.pathname);
    const download = upload ? null : DOWNLOAD_PATH.exec(url.pathname);
    if (!upload && !download) return false;
    try {
      credentials.verifySigned(url);
      if (upload) await serveUpload(store, req, res, url, upload[1]!, Number(upload[2]));
      else if (download) await serveDownload(store, req, res, download[1]!, Number(download[2]));
    } catch (error) {
      // The blob SDK reads Azure's XML error body; other failures are the server's 500.
      if (!(error instanceof HttpError) || res.headersSent) throw error;
      sendStorageError(req, res, error);
    }
    return true;
  };
}

async function serveUpload(store: ArtifactStore, req: IncomingMessage, res: ServerResponse, url: URL, run: string, id: number): Promise<void> {
  if (req.method !== 'PUT') throw new HttpError(405, `${req.method} is not supported on an upload URL`);
  const comp = url.searchParams.get('comp');
  let blob: WrittenFile | undefined;
  if (comp === 'block') {
    await store.stageBlock(run, id, url.searchParams.get('blockid') ?? '', req);
  } else if (comp === 'blocklist') {
    const ids = parseBlockList((await readBody(req, MAX_BLOCK_LIST_BYTES)).toString('utf8'));
    blob = await store.commitBlocks(run, id, ids);
  } else if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
    blob = await store.putBlob(run, id, req);
  } else {
    throw new HttpError(400, `unsupported blob operation: comp=${comp ?? ''} x-ms-blob-type=${String(req.headers['x-ms-blob-type'] ?? '')}`);
  }
  const headers: OutgoingHttpHeaders = { ...storageHeaders(req), 'x-ms-request-server-encrypted': 'false', 'content-length': 0 };
  if (blob) {
    headers.etag = `"0x${blob.sha256.slice(0, 16).toUpperCase()}"`;
    headers['last-modified'] = new Date().toUTCString();
  }
  res.writeHead(201, headers);
  res.end();
}

async function serveDownload(store: ArtifactStore, req: IncomingMessage, res: ServerResponse, run: string, id: number): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not supported on a download URL`);
  const [record] = await store.list(run, { id });
  if (!record) throw new HttpError(404, `artifact ${id} does not exist (it may have been deleted)`);
  const path = store.filePath(record);
  const file = await stat(path).catch((error: unknown) => {
    throw isNotFound(error) ? new HttpError(404, `the file of artifact ${record.name} is gone: ${path}`) : error;
  });
  res.writeHead(200, {
    ...storageHeaders(req),
    // The client unzips when the type is a zip type, and otherwise saves the file under the
    // Content-Disposition name (an artifact uploaded with `skipArchive`).
    'content-type': record.mimeType,
    'content-length': file.size,
    'content-disposition': attachment(record.fileName),
    'last-modified': file.mtime.toUTCString(),
    etag: `"0x${(record.digest ?? '').replace(/^sha256:/, '').slice(0, 16).toUpperCase()}"`,
    'x-ms-blob-type': 'BlockBlob',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(path), res);
  } catch (error) {
    // The client hung up mid-download: nothing to answer, and nothing wrong here.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}

/** The headers every Azure blob response has; the SDK reads them into its response objects. */
function storageHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const clientRequestId = req.headers['x-ms-client-request-id'];
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': req.headers['x-ms-version'] ?? '2025-01-05',
    ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    date: new Date().toUTCString(),
  };
}

/** Azure's error body and code header, which the blob SDK turns into the RestError users see. */
function sendStorageError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  const code = STORAGE_ERROR_CODES[error.status] ?? 'InvalidInput';
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error>`;
  res.writeHead(error.status, {
    ...storageHeaders(req),
    'x-ms-error-code': code,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const STORAGE_ERROR_CODES: Record<number, string> = {
  403: 'AuthenticationFailed',
  404: 'BlobNotFound',
  405: 'UnsupportedHttpVerb',
  413: 'RequestBodyTooLarge',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** RFC 6266: an ASCII fallback name, and the exact name UTF-8 encoded (which the client prefers). */
function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
