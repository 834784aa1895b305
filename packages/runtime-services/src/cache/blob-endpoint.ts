import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseBlockList } from '../block-list.js';
import { HttpError, readBody, type Route, type RouteContext, type RunCredentials } from '../http-kit.js';
import { concatenateFiles, streamToFile } from './file-streams.js';

/**
 * A tiny Azure Blob Storage look-alike behind signed URLs: what `@azure/storage-blob`'s
 * `BlockBlobClient.uploadFile` (Put Blob, or Put Block + Put Block List past its single-shot
 * size) and plain or ranged GETs (`x-ms-range`/`Range`, HEAD for properties) need, nothing more.
 *
 * URLs look like `<prefix>upload/<id>` and `<prefix>download/<id>`. The SDK reads a container and
 * blob name out of the path (`/account/container/blob` when the host is an IP address or
 * localhost, `/container/blob` otherwise), so the prefix must have at least one segment.
 */
export interface BlobEndpointOptions {
  credentials: RunCredentials;
  /** Path prefix of the blob URLs, with leading and trailing slash: `/kact/cache/blobs/`. */
  pathPrefix: string;
  /** The upload behind `<prefix>upload/<id>`, undefined: 404. */
  upload(id: string): BlobUploadTarget | undefined;
  /** The file behind `<prefix>download/<id>`, undefined: 404. */
  download(id: string): string | undefined;
}

export interface BlobUploadTarget {
  /** Where the complete blob is written (replaced whole on a repeated upload). */
  blobPath: string;
  /** Where staged blocks wait for their block list; created on demand. */
  blockDir: string;
  /** An upper bound on the blob's bytes. */
  maxBytes: number;
  /** Upload traffic: the owner can tell a live upload from an abandoned one. */
  onActivity(): void;
  /** The blob is complete at `blobPath`; a rejection is answered as the upload's failure. */
  onComplete(sizeBytes: number): void | Promise<void>;
}

export function blobUrl(credentials: RunCredentials, base: URL, pathPrefix: string, kind: 'upload' | 'download', id: string): URL {
  return credentials.sign(new URL(`${pathPrefix}${kind}/${encodeURIComponent(id)}`, base));
}

export function blobEndpoint(options: BlobEndpointOptions): Route {
  return async ({ req, res, url }: RouteContext) => {
    if (!url.pathname.startsWith(options.pathPrefix)) return false;
    const [kind, id, ...rest] = url.pathname.slice(options.pathPrefix.length).split('/');
    if ((kind !== 'upload' && kind !== 'download') || !id || rest.length > 0) return false;
    try {
      options.credentials.verifySigned(url);
      const name = decodeURIComponent(id);
      if (kind === 'upload') await handleUpload(req, res, url, options.upload(name));
      else await handleDownload(req, res, options.download(name));
    } catch (error) {
      // Azure clients read XML errors; a JSON body would surface as a parse failure instead of the message.
      if (!(error instanceof HttpError)) throw error;
      sendBlobError(res, error);
    }
    return true;
  };
}

async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, target: BlobUploadTarget | undefined): Promise<void> {
  if (req.method !== 'PUT') throw new HttpError(405, `${req.method} is not supported on an upload URL`);
  if (!target) throw new HttpError(404, 'no such upload: it was finished, abandoned or never reserved');
  target.onActivity();
  const comp = url.searchParams.get('comp');
  if (comp === 'block') await putBlock(req, url, target);
  else if (comp === 'blocklist') await putBlockList(req, target);
  else if (comp === null) await putBlob(req, target);
  else throw new HttpError(400, `comp=${comp} is not supported`);
  target.onActivity();
  res.writeHead(201, { 'content-length': 0, etag: `"${randomUUID()}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-server-encrypted': 'false' });
  res.end();
}

async function putBlob(req: IncomingMessage, target: BlobUploadTarget): Promise<void> {
  const temp = `${target.blobPath}.${randomUUID()}.partial`;
  try {
    const size = await streamToFile(req, temp, { length: announcedLength(req), maxBytes: target.maxBytes });
    await rename(temp, target.blobPath);
    await target.onComplete(size);
  } finally {
    await rm(temp, { force: true });
  }
}

async function putBlock(req: IncomingMessage, url: URL, target: BlobUploadTarget): Promise<void> {
  const blockId = url.searchParams.get('blockid');
  if (!blockId) throw new HttpError(400, 'blockid is missing');
  await mkdir(target.blockDir, { recursive: true });
  // A retried block replaces the earlier attempt whole, never half.
  const temp = join(target.blockDir, `${randomUUID()}.partial`);
  try {
    await streamToFile(req, temp, { length: announcedLength(req), maxBytes: target.maxBytes });
    await rename(temp, blockPath(target, blockId));
  } finally {
    await rm(temp, { force: true });
  }
}

async function putBlockList(req: IncomingMessage, target: BlobUploadTarget): Promise<void> {
  const blockIds = parseBlockList((await readBody(req, 8 * 1024 * 1024)).toString('utf8'));
  if (blockIds.length === 0) throw new HttpError(400, 'the block list names no blocks');
  const parts = blockIds.map((id) => blockPath(target, id));
  let size = 0;
  for (const [index, part] of parts.entries()) {
    try {
      size += (await stat(part)).size;
    } catch {
      throw new HttpError(400, `block ${blockIds[index]} was never staged`);
    }
  }
  if (size > target.maxBytes) throw new HttpError(413, `blob of ${size} bytes is over the limit of ${target.maxBytes} bytes`);
  const temp = `${target.blobPath}.${randomUUID()}.partial`;
  try {
    await concatenateFiles(parts, temp);
    await rename(temp, target.blobPath);
  } finally {
    await rm(temp, { force: true });
  }
  await rm(target.blockDir, { recursive: true, force: true });
  await target.onComplete(size);
}


async function handleDownload(req: IncomingMessage, res: ServerResponse, path: string | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not supported on a download URL`);
  if (!path) throw new HttpError(404, 'no such blob');
  let size: number;
  let modified: Date;
  try {
    ({ size, mtime: modified } = await stat(path));
  } catch {
    throw new HttpError(404, 'no such blob');
  }
  const range = parseRange(req.headers['x-ms-range'] ?? req.headers.range, size);
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'last-modified': modified.toUTCString(),
    // The Azure SDK refuses a download without one: it pins resumed segments to the same blob.
    etag: `"${size.toString(16)}-${modified.getTime().toString(16)}"`,
    'x-ms-blob-type': 'BlockBlob',
    'content-length': range ? range.end - range.start + 1 : size,
  };
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(path, range ?? {}), res);
  } catch {
    // The reader hung up (its client retries the segment), or the blob was evicted mid-read.
    res.destroy();
  }
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`; undefined for the whole blob; 416 past its end. */
export function parseRange(header: string | string[] | undefined, size: number): { start: number; end: number } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) throw new HttpError(416, `unsupported range ${value}`);
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  const range = first === '' ? { start: Math.max(0, size - Number(last)), end: size - 1 } : { start: Number(first), end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
  if (range.start > range.end || range.start >= size) throw new HttpError(416, `range ${value} is outside a blob of ${size} bytes`);
  return range;
}

function blockPath(target: BlobUploadTarget, blockId: string): string {
  // Block ids are base64 text of at most 64 bytes; hex keeps them file-name safe.
  return join(target.blockDir, Buffer.from(blockId, 'utf8').toString('hex'));
}

function announcedLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

const errorCodes: Record<number, string> = { 400: 'InvalidInput', 403: 'AuthenticationFailed', 404: 'BlobNotFound', 405: 'UnsupportedHttpVerb', 409: 'BlobAlreadyExists', 413: 'RequestBodyTooLarge', 416: 'InvalidRange' };

function sendBlobError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const code = errorCodes[error.status] ?? 'InternalError';
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error>`;
  res.writeHead(error.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-ms-error-code': code });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
