import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const tempSuffix = '.tmp';

/** The parsed file, or undefined when there is none. Throws SyntaxError for a file that is not JSON. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/**
 * Replaces `path` with `value` so that readers (and a process killed at any point) see the old
 * file or the new one, never a torn one: a synced temporary file renamed over the old.
 */
export async function writeJsonFileAtomically(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${tempSuffix}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
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

/** Deletes temporary files a killed writer of `path` left behind. */
export async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix) && name.endsWith(tempSuffix)) await rm(join(dirname(path), name), { force: true });
  }
}

/** Makes a rename in `dir` durable; some filesystems cannot open a directory, and then the rename is as durable as they allow. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}
