import { open } from 'node:fs/promises';
import path from 'node:path';

import { InputError } from './errors.js';
import type { SourceLocation } from './types.js';

/** Paths in the model and in diagnostics: relative to the repository root, `/` separators. */
export function repoRelative(repoRoot: string, file: string): string {
  const rel = path.relative(path.resolve(repoRoot), path.resolve(file));
  return rel.split(path.sep).join('/') || '.';
}

/**
 * The largest workflow or action file kact reads: 1 MiB, ten times a large real workflow. GitHub's
 * parser needs seconds per 100 KiB and memory to match, so a bigger file (a generated one, or
 * `-W` pointed at a log) is refused at once, before it is read.
 */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

/** Reads at most `max` + 1 bytes: a special file (`/dev/zero`, a FIFO) has no size to check first. */
async function readBounded(file: string, max: number): Promise<{ text: string; tooLarge?: string }> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (info.isFile() && info.size > max) return { text: '', tooLarge: `${info.size} bytes` };
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) return { text: '', tooLarge: 'more' };
    }
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    await handle.close();
  }
}

/** Reads a user's file; a missing, unreadable or oversized one is bad input, not a crash. */
export async function readInputFile(file: string, shownAs: string, usedAt?: SourceLocation): Promise<string> {
  let read: { text: string; tooLarge?: string };
  try {
    read = await readBounded(file, MAX_INPUT_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : String(err);
    // Named from another file, the repository-relative path alone may not show where we looked.
    const where = usedAt && code === 'ENOENT' ? ` (looked for ${path.resolve(file)})` : '';
    throw InputError.at(`${shownAs}: ${reason}${where}`, usedAt);
  }
  if (read.tooLarge !== undefined) {
    throw InputError.at(`file too large: kact reads workflow and action files of at most ${MAX_INPUT_FILE_BYTES} bytes (1 MiB); this one has ${read.tooLarge}`, { file: shownAs, line: 1, column: 1 });
  }
  return read.text;
}
