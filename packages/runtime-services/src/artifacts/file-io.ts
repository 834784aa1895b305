import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../http-kit.js';

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

/**
 * Streams `source` into `path`, hashing as it goes. Over budget, the rest of the body is read
 * and dropped rather than the connection cut, so the client gets the 413 instead of a reset
 * it would retry; the partial file is removed and its bytes given back.
 */
export async function streamToFile(source: AsyncIterable<Buffer>, path: string, budget: ByteBudget): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let size = 0;
  let overflow = false;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (overflow || !budget.take(chunk.length)) {
        overflow = true;
        done();
        return;
      }
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(path));
  } catch (error) {
    budget.give(size);
    await rm(path, { force: true });
    throw error;
  }
  if (overflow) {
    budget.give(size);
    await rm(path, { force: true });
    throw new HttpError(413, `the artifact is larger than the ${budget.limit} bytes kact accepts for one artifact`);
  }
  return { size, sha256: hash.digest('hex') };
}

/** A temporary name beside `path`, so a rename onto `path` stays on one file system (and is atomic). */
export function tempPathFor(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Writes through a temporary file, so a reader never sees half a record. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = tempPathFor(path);
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}

/** The parsed file, or undefined when there is none. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
