import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ACTION_FILE_NAMES } from '@kact/model';

/** `path` is `root` or below it, compared as written (no symlinks followed). */
export function lexicallyInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

const realOrMissing = (path: string) => realpath(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? undefined : Promise.reject(err)));

/**
 * The first of `dir` and its action files whose real location (symlinks followed) is outside
 * `root`'s, or undefined. kact reads action.yml on this machine, so a link from the repository
 * (or a fetched action) to `/home/…` would hand it a host file; what does not exist here is left
 * to the loader, which then finds no action.
 */
export async function escapesThroughLink(root: string, dir: string): Promise<string | undefined> {
  const realRoot = await realpath(root);
  for (const path of [dir, ...ACTION_FILE_NAMES.map((name) => join(dir, name))]) {
    const real = await realOrMissing(path);
    if (real !== undefined && !lexicallyInside(realRoot, real)) return path;
  }
  return undefined;
}

/**
 * Why `name` cannot be an owner or repository name, or undefined. Each becomes a folder of the
 * action cache and a segment of a URL, so `..`, separators and option-like names stay out.
 */
function nameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'is not a name';
  if (name.startsWith('-')) return "starts with '-'";
  if (/[/\\\s\p{Cc}]/u.test(name)) return 'contains a separator, a space or a control character';
  return undefined;
}

/**
 * Why `ref` cannot be a git ref, or undefined: git's check-ref-format rules, which also keep a
 * ref from climbing out of the action cache (`..`) or being read by git as an option (`-`).
 */
function refProblem(ref: string): string | undefined {
  if (ref === '' || ref === '@') return 'is empty';
  if (ref.startsWith('-')) return "starts with '-'";
  if (/[\s\p{Cc}~^:?*[\\]/u.test(ref)) return 'contains a space, a control character or one of ~^:?*[\\';
  if (ref.includes('..') || ref.includes('@{')) return "contains '..' or '@{'";
  if (ref.endsWith('.') || ref.split('/').some((part) => part === '' || part.startsWith('.') || part.endsWith('.lock'))) return 'has an empty, dot-led or .lock component';
  return undefined;
}

/** What is wrong with the owner, repository or ref of a clone, as a message, or undefined. */
export function cloneProblem(ref: { owner: string; repo: string; ref: string }): string | undefined {
  const parts: Array<[string, string, string | undefined]> = [
    ['owner', ref.owner, nameProblem(ref.owner)],
    ['repository', ref.repo, nameProblem(ref.repo)],
    ['ref', ref.ref, refProblem(ref.ref)],
  ];
  const bad = parts.find(([, , problem]) => problem !== undefined);
  return bad && `action ${bad[0]} ${JSON.stringify(bad[1])} ${bad[2]}`;
}
