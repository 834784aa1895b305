import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../http-kit.js';

export interface StreamToFileOptions {
  /** Byte offset to write at; the file must exist then (flags `r+`), chunks of one upload land side by side. */
  start?: number;
  /** The exact byte count the sender announced: fewer or more is a broken upload (400). */
  length?: number;
  /** Upper bound when the sender announced nothing, so a runaway upload cannot fill the disk (413). */
  maxBytes?: number;
}

/** Streams a request body to disk (never into memory) and returns how many bytes it held. */
export async function streamToFile(source: Readable, path: string, options: StreamToFileOptions = {}): Promise<number> {
  let count = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count += chunk.length;
      if (options.length !== undefined && count > options.length) return done(new HttpError(400, `body is longer than the announced ${options.length} bytes`));
      if (options.maxBytes !== undefined && count > options.maxBytes) return done(new HttpError(413, `body is over the limit of ${options.maxBytes} bytes`));
      done(null, chunk);
    },
  });
  const target = createWriteStream(path, options.start === undefined ? { flags: 'w' } : { flags: 'r+', start: options.start });
  try {
    await pipeline(source, counter, target);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // The sender went away mid-body: its client retries or gives up; nothing for the server log.
    throw new HttpError(400, `upload interrupted: ${(error as Error).message}`);
  }
  if (options.length !== undefined && count !== options.length) throw new HttpError(400, `body has ${count} bytes, ${options.length} were announced`);
  return count;
}

/** Writes the files one after the other into `target`, streaming. */
export async function concatenateFiles(parts: readonly string[], target: string): Promise<void> {
  await pipeline(async function* () {
    for (const part of parts) yield* createReadStream(part);
  }, createWriteStream(target));
}

/** Flushes a finished file to the disk before an index that points at it is written. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
