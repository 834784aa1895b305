import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitInfo {
  /** HEAD's commit, or 40 zeros outside a git repository or before the first commit. */
  sha: string;
  /** `refs/heads/<branch>`, a tag ref when HEAD is exactly a tag, or '' when detached. */
  ref: string;
  /** `owner/name` from the `origin` remote, or `local/<folder>` when there is none. */
  repository: string;
}

async function git(repoRoot: string, ...args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', repoRoot, ...args], { encoding: 'utf8' });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `owner/name` from an https, ssh or scp-like remote URL. */
export function repositoryFromRemote(url: string): string | undefined {
  const match = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Reads what the github context needs from the local repository, as act does. */
export async function readGitInfo(repoRoot: string): Promise<GitInfo> {
  const [sha, branch, tag, remote] = await Promise.all([
    git(repoRoot, 'rev-parse', '--verify', '-q', 'HEAD'),
    git(repoRoot, 'symbolic-ref', '-q', 'HEAD'),
    git(repoRoot, 'describe', '--tags', '--exact-match', 'HEAD'),
    git(repoRoot, 'remote', 'get-url', 'origin'),
  ]);
  return {
    sha: sha ?? '0'.repeat(40),
    ref: branch ?? (tag ? `refs/tags/${tag}` : ''),
    repository: (remote && repositoryFromRemote(remote)) ?? `local/${basename(repoRoot)}`,
  };
}
