import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from './http-kit.js';

/**
 * The bytes one upload may still store. Its blocks arrive concurrently, so each write takes
 * from the budget as bytes come in, rather than checking a total that is stale once it is read.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** What is stored now, after a commit replaced the staged blocks with one blob. */
  reset(bytes: number): void {
    this.used = bytes;
  }
}

export interface WrittenFile {
  size: number;
  /** Lowercase hex, as the toolkit reports it (`sha256:<hex>`). */
  sha256: string;
}

export interface StreamToFileOptions {
  /**
   * Byte offset to write at: the file must exist (chunks of one upload land side by side in it).
   * Without it the file is created or truncated, and removed again when the write fails.
   */
  start?: number;
  /** The exact byte count the sender announced: fewer or more is a broken upload (400). */
  length?: number;
  /** The bytes the write may take (413 past it), taken as they arrive and given back when it fails. */
  budget?: ByteBudget;
}

/**
 * Streams a request body to disk (never into memory), hashing as it goes. Past the announced
 * length or the budget, the rest of the body is read and dropped rather than the connection cut,
 * so the client gets the 400 or 413 instead of a reset it would retry.
 */
export async function streamToFile(source: AsyncIterable<Buffer>, path: string, options: StreamToFileOptions = {}): Promise<WrittenFile> {
  const { budget, length } = options;
  const hash = createHash('sha256');
  let size = 0;
  let refused: HttpError | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!refused && length !== undefined && size + chunk.length > length) refused = new HttpError(400, `body is longer than the announced ${length} bytes`);
      if (!refused && budget && !budget.take(chunk.length)) refused = new HttpError(413, `the upload is larger than the ${budget.limit} bytes kact accepts for it`);
      if (refused) {
        done();
        return;
      }
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const target = createWriteStream(path, options.start === undefined ? { flags: 'w' } : { flags: 'r+', start: options.start });
  let failure: HttpError | undefined;
  try {
    await pipeline(source, meter, target);
    failure = refused ?? (length !== undefined && size !== length ? new HttpError(400, `body has ${size} bytes, ${length} were announced`) : undefined);
  } catch (error) {
    // The sender went away mid-body: its client retries or gives up; nothing for the server log.
    failure = error instanceof HttpError ? error : new HttpError(400, `upload interrupted: ${(error as Error).message}`);
  }
  if (failure) {
    budget?.give(size);
    if (options.start === undefined) await rm(path, { force: true });
    throw failure;
  }
  return { size, sha256: hash.digest('hex') };
}

/** A temporary name beside `path`, so a rename onto `path` stays on one file system (and is atomic). */
export function tempPathFor(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

const TEMP_SUFFIX = '.tmp';

/**
 * Replaces `path` with `value` as JSON so that readers (and a process killed at any point) see
 * the old file or the new one, never a torn one: a synced temporary file renamed over the old.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** The parsed file, or undefined when there is none. Throws SyntaxError for a file that is not JSON. */
export async function readJsonFile<T = unknown>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** Deletes temporary files a killed writer of `path` left behind. */
export async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) await rm(join(dirname(path), name), { force: true });
  }
}

/** Flushes a finished file to the disk before an index that points at it is written. */
export async function syncFile(path: string): Promise<void> {
  await flush(path, 'r+');
}

/** Makes a rename in `dir` durable; some filesystems cannot open a directory, and then the rename is as durable as they allow. */
async function syncDirectory(dir: string): Promise<void> {
  await flush(dir, 'r').catch(() => undefined);
}

async function flush(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
