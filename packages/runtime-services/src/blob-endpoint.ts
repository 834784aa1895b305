import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseBlockList } from './block-list.js';
import { ByteBudget, isNotFound, streamToFile, tempPathFor, type WrittenFile } from './file-io.js';
import { HttpError, readBody, type Route, type RouteContext, type RunCredentials } from './http-kit.js';

/*
 * A tiny Azure Blob Storage look-alike behind signed URLs, for both services: the artifact client
 * (`@actions/artifact`) and the cache client (`@actions/cache` v2) upload with the Azure blob SDK
 * (Put Blob, or Put Block + Put Block List past its single-shot size) and download with plain or
 * ranged GETs (`x-ms-range`/`Range`, HEAD for properties). Nothing more of Azure is there.
 *
 * URLs look like `<prefix>upload/<id>` and `<prefix>download/<id>`, the id being one or more path
 * segments the service reads. The SDK reads a container and blob name out of the path
 * (`/account/container/blob` when the host is an IP address or localhost, `/container/blob`
 * otherwise), so the prefix must have at least one segment. The signature covers the path; the
 * SDK adds its own parameters (`comp`, `blockid`), which it does not.
 */

/** Azure's own limits for block ids and a block list, which the blob SDK keeps to. */
const MAX_BLOCK_ID_LENGTH = 128;
export const MAX_BLOCKS = 50_000;
/** The Put Block List body: MAX_BLOCKS ids of at most 128 characters, in XML. */
const MAX_BLOCK_LIST_BYTES = MAX_BLOCKS * 160 + 4096;

/** Where one upload's bytes go: its staged blocks, and the blob they make. */
export interface BlobUpload {
  /** Where the complete blob is written (replaced whole on a repeated upload). */
  blobPath: string;
  /** Where staged blocks wait for their block list; created on demand, removed by the commit. */
  blockDir: string;
  /** The bytes the upload may store: staged blocks take from it as they arrive. */
  budget: ByteBudget;
  /** Upload traffic: the owner can tell a live upload from an abandoned one. */
  onActivity?(): void;
  /** The new blob is complete and about to replace the old one (a description of the old must go first). */
  beforeReplace?(): Promise<void>;
  /** The blob is complete at `blobPath`; a rejection is answered as the upload's failure. */
  onComplete(blob: WrittenFile): void | Promise<void>;
}

/** What a download URL serves. */
export interface BlobDownload {
  path: string;
  /** Default `application/octet-stream`. */
  contentType?: string;
  /** Sent as Content-Disposition: the name a browser or the client saves the file under. */
  fileName?: string;
  /** Default: from the file's size and modification time. */
  etag?: string;
}

export interface BlobEndpointOptions {
  credentials: RunCredentials;
  /** Path prefix of the blob URLs, with leading and trailing slash: `/kact/cache/blobs/`. */
  pathPrefix: string;
  /** The upload behind `<prefix>upload/<id>`; undefined (or an HttpError) answers 404. */
  upload(id: string): BlobUpload | undefined | Promise<BlobUpload | undefined>;
  /** The file behind `<prefix>download/<id>`; undefined (or an HttpError) answers 404. */
  download(id: string): BlobDownload | undefined | Promise<BlobDownload | undefined>;
}

/** A signed blob URL; `id` is its path after `<prefix><kind>/`, its segments already URL-encoded. */
export function blobUrl(credentials: RunCredentials, base: URL, pathPrefix: string, kind: 'upload' | 'download', id: string, ttlMs?: number): URL {
  return credentials.sign(new URL(`${pathPrefix}${kind}/${id}`, base.origin), ttlMs);
}

export function blobEndpoint(options: BlobEndpointOptions): Route {
  return async ({ req, res, url }: RouteContext) => {
    if (!url.pathname.startsWith(options.pathPrefix)) return false;
    const rest = url.pathname.slice(options.pathPrefix.length);
    const slash = rest.indexOf('/');
    const kind = rest.slice(0, slash);
    const id = rest.slice(slash + 1);
    if (slash < 0 || (kind !== 'upload' && kind !== 'download') || !id) return false;
    try {
      options.credentials.verifySigned(url);
      if (kind === 'upload') await handleUpload(req, res, url, await options.upload(id));
      else await handleDownload(req, res, await options.download(id));
    } catch (error) {
      // Azure clients read XML errors; a JSON body would surface as a parse failure instead of the message.
      if (!(error instanceof HttpError) || res.headersSent) throw error;
      sendStorageError(req, res, error);
    }
    return true;
  };
}

async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, upload: BlobUpload | undefined): Promise<void> {
  if (req.method !== 'PUT') throw new HttpError(405, `${req.method} is not supported on an upload URL`);
  if (!upload) throw new HttpError(404, 'no such upload: it was finished, abandoned or never reserved');
  upload.onActivity?.();
  const comp = url.searchParams.get('comp');
  const length = announcedLength(req);
  let blob: WrittenFile | undefined;
  if (comp === 'block') await stageBlock(upload, url.searchParams.get('blockid') ?? '', req, length);
  else if (comp === 'blocklist') blob = await commitBlockList(upload, parseBlockList((await readBody(req, MAX_BLOCK_LIST_BYTES)).toString('utf8')));
  else if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') blob = await putBlob(upload, req, length);
  else throw new HttpError(400, `unsupported blob operation: comp=${comp ?? ''} x-ms-blob-type=${String(req.headers['x-ms-blob-type'] ?? '')}`);
  upload.onActivity?.();
  res.writeHead(201, {
    ...storageHeaders(req),
    'x-ms-request-server-encrypted': 'false',
    'content-length': 0,
    etag: blob ? `"0x${blob.sha256.slice(0, 16).toUpperCase()}"` : `"${randomUUID()}"`,
    'last-modified': new Date().toUTCString(),
  });
  res.end();
}

/** Keeps one block of an upload (Azure's Put Block); a block staged again replaces the first. */
export async function stageBlock(upload: BlobUpload, blockId: string, body: AsyncIterable<Buffer>, length?: number): Promise<WrittenFile> {
  const path = blockPath(upload, blockId);
  return missingMeansGone(async () => {
    await mkdir(upload.blockDir, { recursive: true });
    const temp = tempPathFor(path);
    const written = await streamToFile(body, temp, { budget: upload.budget, ...(length !== undefined ? { length } : {}) });
    const replaced = await stat(path).then((s) => s.size, () => 0);
    await rename(temp, path);
    upload.budget.give(replaced);
    return written;
  });
}

/** Joins staged blocks, in the order given, into the blob (Azure's Put Block List). */
export async function commitBlockList(upload: BlobUpload, blockIds: readonly string[]): Promise<WrittenFile> {
  if (blockIds.length > MAX_BLOCKS) throw new HttpError(400, `a block list has at most ${MAX_BLOCKS} blocks`);
  const parts = blockIds.map((id) => blockPath(upload, id));
  let size = 0;
  for (const [index, part] of parts.entries()) {
    const staged = await stat(part).catch(() => undefined);
    if (!staged?.isFile()) throw new HttpError(400, `block ${blockIds[index]} of the block list was never staged`);
    size += staged.size;
  }
  if (size > upload.budget.limit) throw new HttpError(413, `the upload of ${size} bytes is larger than the ${upload.budget.limit} bytes kact accepts for it`);
  async function* concatenated(): AsyncGenerator<Buffer> {
    for (const part of parts) yield* createReadStream(part) as AsyncIterable<Buffer>;
  }
  return missingMeansGone(async () => {
    const blob = await writeBlob(upload, concatenated(), new ByteBudget(upload.budget.limit));
    await rm(upload.blockDir, { recursive: true, force: true });
    return completed(upload, blob);
  });
}

/** Takes the whole blob in one request (Azure's Put Blob); staged blocks are dropped, as Azure does. */
export async function putBlob(upload: BlobUpload, body: AsyncIterable<Buffer>, length?: number): Promise<WrittenFile> {
  return missingMeansGone(async () => {
    await rm(upload.blockDir, { recursive: true, force: true });
    upload.budget.reset(0);
    return completed(upload, await writeBlob(upload, body, upload.budget, length));
  });
}

/** Writes the blob beside the old one and renames it over it, so a reader never sees half of one. */
async function writeBlob(upload: BlobUpload, body: AsyncIterable<Buffer>, budget: ByteBudget, length?: number): Promise<WrittenFile> {
  const temp = tempPathFor(upload.blobPath);
  const blob = await streamToFile(body, temp, { budget, ...(length !== undefined ? { length } : {}) });
  try {
    await upload.beforeReplace?.();
    await rename(temp, upload.blobPath);
  } finally {
    await rm(temp, { force: true });
  }
  return blob;
}

async function completed(upload: BlobUpload, blob: WrittenFile): Promise<WrittenFile> {
  upload.budget.reset(blob.size);
  await upload.onComplete(blob);
  return blob;
}

/** An upload folder removed under a request (the upload was abandoned, deleted or started over) is a 404, not a 500. */
async function missingMeansGone<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    if (isNotFound(error)) throw new HttpError(404, 'the upload was discarded while this request ran (abandoned, deleted or started over)');
    throw error;
  }
}

function blockPath(upload: BlobUpload, blockId: string): string {
  // Block ids are base64 text (with `/` and `+`); hex makes them file names.
  if (!blockId || blockId.length > MAX_BLOCK_ID_LENGTH) throw new HttpError(400, `invalid block id: ${blockId.slice(0, 40)}`);
  return join(upload.blockDir, Buffer.from(blockId, 'utf8').toString('hex'));
}

function announcedLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

async function handleDownload(req: IncomingMessage, res: ServerResponse, blob: BlobDownload | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not supported on a download URL`);
  if (!blob) throw new HttpError(404, 'no such blob');
  const file = await stat(blob.path).catch(() => undefined);
  // Deleted or evicted after its URL was handed out.
  if (!file) throw new HttpError(404, 'no such blob: its file is gone');
  const range = parseRange(req.headers['x-ms-range'] ?? req.headers.range, file.size);
  res.writeHead(range ? 206 : 200, {
    ...storageHeaders(req),
    // The artifact client unzips when the type is a zip type, and otherwise saves the file under
    // the Content-Disposition name (an artifact uploaded with `skipArchive`).
    'content-type': blob.contentType ?? 'application/octet-stream',
    ...(blob.fileName !== undefined ? { 'content-disposition': attachment(blob.fileName) } : {}),
    'accept-ranges': 'bytes',
    'last-modified': file.mtime.toUTCString(),
    // The Azure SDK refuses a download without one: it pins resumed segments to the same blob.
    etag: blob.etag ?? `"${file.size.toString(16)}-${file.mtime.getTime().toString(16)}"`,
    'x-ms-blob-type': 'BlockBlob',
    'content-length': range ? range.end - range.start + 1 : file.size,
    ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${file.size}` } : {}),
  });
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(blob.path, range ?? {}), res);
  } catch {
    // The reader hung up (its client retries the segment), or the blob was deleted mid-read.
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

const STORAGE_ERROR_CODES: Record<number, string> = {
  400: 'InvalidInput',
  403: 'AuthenticationFailed',
  404: 'BlobNotFound',
  405: 'UnsupportedHttpVerb',
  409: 'BlobAlreadyExists',
  413: 'RequestBodyTooLarge',
  416: 'InvalidRange',
};

/** Azure's error body and code header, which the blob SDK turns into the RestError users see. */
function sendStorageError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  const code = STORAGE_ERROR_CODES[error.status] ?? (error.status < 500 ? 'InvalidInput' : 'InternalError');
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error>`;
  res.writeHead(error.status, {
    ...storageHeaders(req),
    'x-ms-error-code': code,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** RFC 6266: an ASCII fallback name, and the exact name UTF-8 encoded (which the client prefers). */
function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
