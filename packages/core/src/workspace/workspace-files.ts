import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What of the working tree goes into the job's workspace, as act copies it: tracked and
 * untracked files that .gitignore does not exclude, plus `.git` so git commands work in steps.
 * Outside a git repository everything is copied. Returns an exclude predicate for relative paths.
 */
export async function workspaceExcludes(repoRoot: string): Promise<(relativePath: string) => boolean> {
  let listing: string;
  try {
    ({ stdout: listing } = await run('git', ['-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 256 * 1024 * 1024 }));
  } catch {
    return () => false;
  }
  const keep = new Set<string>();
  for (const file of listing.split('\0').filter(Boolean)) {
    const parts = file.split('/');
    for (let i = 1; i <= parts.length; i++) keep.add(parts.slice(0, i).join('/'));
  }
  return (path) => !(path === '.git' || path.startsWith('.git/') || keep.has(path));
}
