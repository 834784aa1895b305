import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function git(args: string[], cwd?: string): Promise<void> {
  await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * Fetches `ref` (branch, tag or commit) of `url` into `dir`, shallowly, through a temporary
 * folder renamed into place, so an interrupted clone never leaves a half-filled cache entry.
 */
export async function cloneRef(url: string, ref: string, dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(dirname(dir), { recursive: true });
  try {
    await git(['init', '-q', tmp]);
    // `--`: whatever the url and ref hold, git reads them as a repository and a refspec, never
    // as options (`--upload-pack=…` would run a command here, on the host).
    await git(['fetch', '-q', '--depth', '1', '--', url, ref], tmp);
    await git(['checkout', '-q', '--detach', 'FETCH_HEAD'], tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr?.trim().split('\n').pop();
    throw new Error(stderr || (err as Error).message);
  }
}
