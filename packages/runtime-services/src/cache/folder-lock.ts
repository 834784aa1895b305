import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempPathFor } from '../file-io.js';

interface LockOwner {
  pid: number;
  host: string;
}

const heldHere = new Set<string>();

/**
 * Exclusive use of a cache folder. Two kact processes sharing one `--cache-server-path` would each
 * rewrite the index from their own memory and delete the other's blobs as orphans, so the second
 * one is refused with a message naming the first; a lock left by a dead process is taken over.
 */
export class FolderLock {
  private constructor(private readonly path: string) {}

  static async acquire(dir: string): Promise<FolderLock> {
    const path = join(dir, 'lock');
    if (heldHere.has(path)) throw new Error(`cache folder ${dir} is already open in this process`);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await createWithContent(path, { pid: process.pid, host: hostname() })) {
        heldHere.add(path);
        return new FolderLock(path);
      }
      const owner = await readOwner(path);
      if (owner && isAlive(owner)) {
        throw new Error(`cache folder ${dir} is in use by process ${owner.pid} on ${owner.host}; if no kact runs there any more, delete ${path}`);
      }
      await rm(path, { force: true });
    }
    throw new Error(`could not lock cache folder ${dir}`);
  }

  async release(): Promise<void> {
    if (!heldHere.delete(this.path)) return;
    await rm(this.path, { force: true });
  }
}

/** Creates `path` with its content in one step (a hard link of a finished file), false when it exists. */
async function createWithContent(path: string, owner: LockOwner): Promise<boolean> {
  const temp = tempPathFor(path);
  await writeFile(temp, JSON.stringify(owner));
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? { pid: owner.pid, host: owner.host } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another host's process cannot be probed: assume it runs rather than corrupt its folder.
  if (owner.host !== hostname()) return true;
  // Our own pid without our own lock: a previous incarnation (e.g. pid 1 in a restarted container).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
