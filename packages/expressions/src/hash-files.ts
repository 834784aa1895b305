import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExpressionError, errorMessage } from './errors.js';
import { type GlobPattern, MatchKind, matchKind, parsePattern, partiallyMatches, withDescendants } from './glob-pattern.js';

const FOLLOW_OPTION = '--follow-symbolic-links';

function matchAll(patterns: GlobPattern[], itemPath: string): number {
  let result: number = MatchKind.None;
  for (const p of patterns) {
    const kind = matchKind(p, itemPath);
    result = p.negate ? result & ~kind : result | kind;
  }
  return result;
}

/** Search roots of the non-negated patterns, without duplicates or roots under another root. */
function searchPaths(patterns: GlobPattern[]): string[] {
  const included = patterns.filter((p) => !p.negate);
  const candidates = new Set(included.map((p) => p.searchPath));
  const result: string[] = [];
  for (const { searchPath } of included) {
    if (result.includes(searchPath)) continue;
    let child = searchPath;
    let parent = path.dirname(child);
    let underAnother = false;
    while (parent !== child) {
      if (candidates.has(parent)) underAnother = true;
      child = parent;
      parent = path.dirname(child);
    }
    if (!underAnother) result.push(searchPath);
  }
  return result;
}

/** libuv's scandir sorts entries with strcmp, so Node's readdir yields names in byte order. */
function sortedEntries(dir: string): string[] {
  return fs.readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Paths matched by the patterns, in @actions/glob's order: depth first from each search root,
 * directory entries in byte order. A matched directory is yielded and still descended into.
 */
function* glob(patterns: GlobPattern[], follow: boolean): Generator<string> {
  const stack: { path: string; level: number }[] = [];
  for (const root of searchPaths(patterns)) {
    if (fs.existsSync(root) || isSymlink(root)) stack.unshift({ path: root, level: 1 });
  }
  const chain: string[] = []; // real paths of the directories being walked, to stop symlink cycles
  while (stack.length > 0) {
    const item = stack.pop()!;
    const match = matchAll(patterns, item.path);
    const partial = match !== MatchKind.None || patterns.some((p) => !p.negate && partiallyMatches(p, item.path));
    if (!partial) continue;
    let stats: fs.Stats;
    try {
      stats = follow ? fs.statSync(item.path) : fs.lstatSync(item.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // broken symlink or vanished
      throw e;
    }
    if (stats.isDirectory()) {
      if (follow) {
        const real = fs.realpathSync(item.path);
        while (chain.length >= item.level) chain.pop();
        if (chain.includes(real)) continue;
        chain.push(real);
      }
      if (match & MatchKind.Directory) yield item.path;
      const children = sortedEntries(item.path).map((name) => ({ path: path.join(item.path, name), level: item.level + 1 }));
      stack.push(...children.reverse());
    } else if (match & MatchKind.File) {
      yield item.path;
    }
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function sha256OfFile(file: string): Buffer {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    let n: number;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest();
}

/**
 * GitHub's hashFiles(): the sha256 (hex) over the sha256 digests of every matched regular file
 * inside the workspace (symbolic links leading out of it left out), in glob walk order; '' when
 * nothing matches. Patterns are @actions/glob
 * lines (one per argument, each may hold several lines); a first argument
 * `--follow-symbolic-links` makes the walk follow symlinks, as in the runner.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const shown = patterns.join(', ');
  try {
    // The runner's script compares against process.cwd(), which is the workspace's real path.
    const root = fs.realpathSync(path.resolve(workspace));
    let follow = false;
    const lines = [...patterns];
    if (lines[0]?.startsWith('--')) {
      if (lines[0].toLowerCase() !== FOLLOW_OPTION) {
        throw new Error(`Invalid glob option ${lines[0]}, available option: '${FOLLOW_OPTION}'.`);
      }
      follow = true;
      lines.shift();
    }
    const parsed: GlobPattern[] = [];
    for (const line of lines.join('\n').split('\n').map((l) => l.trim())) {
      if (!line || line.startsWith('#')) continue;
      const p = parsePattern(line, root);
      const descendants = withDescendants(p);
      parsed.push(p, ...(descendants ? [descendants] : []));
    }
    const result = createHash('sha256');
    let count = 0;
    for (const file of glob(parsed, follow)) {
      if (!file.startsWith(root + path.sep)) continue; // outside the workspace: ignored, as GitHub does
      // A link out of the workspace too: kact hashes on the user's machine, whose files (or a
      // /dev/zero that would never end) are not the repository's. GitHub's runner reads them.
      if (!fs.realpathSync(file).startsWith(root + path.sep)) continue;
      if (fs.statSync(file).isDirectory()) continue;
      result.update(sha256OfFile(file));
      count++;
    }
    return count > 0 ? result.digest('hex') : '';
  } catch (e) {
    throw new ExpressionError(
      `hashFiles('${shown}') failed under directory '${workspace}': ${errorMessage(e)}`,
      [{ message: errorMessage(e) }],
      { cause: e },
    );
  }
}
