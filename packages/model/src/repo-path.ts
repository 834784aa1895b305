import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { InputError } from './errors.js';
import type { SourceLocation } from './types.js';

/** Paths in the model and in diagnostics: relative to the repository root, `/` separators. */
export function repoRelative(repoRoot: string, file: string): string {
  const rel = path.relative(path.resolve(repoRoot), path.resolve(file));
  return rel.split(path.sep).join('/') || '.';
}

/** Reads a user's file; a missing or unreadable one is bad input, not a crash. */
export async function readInputFile(file: string, shownAs: string, usedAt?: SourceLocation): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : String(err);
    // Named from another file, the repository-relative path alone may not show where we looked.
    const where = usedAt && code === 'ENOENT' ? ` (looked for ${path.resolve(file)})` : '';
    throw InputError.at(`${shownAs}: ${reason}${where}`, usedAt);
  }
}
