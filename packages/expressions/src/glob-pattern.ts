import os from 'node:os';
import path from 'node:path';
import { Minimatch } from 'minimatch';

/**
 * One line of a hashFiles() pattern list, interpreted as GitHub's @actions/glob does (the runner's
 * hashFiles script uses it): `!` negates, `.`/`~` prefixes and relative patterns are rooted at the
 * workspace, a trailing `/` matches directories only, dot files match, no braces or extglobs.
 */
export interface GlobPattern {
  readonly negate: boolean;
  readonly segments: string[];
  readonly trailingSeparator: boolean;
  /** Literal directory before the first glob segment: where the walk starts. */
  readonly searchPath: string;
  readonly minimatch: Minimatch;
}

export const MatchKind = { None: 0, Directory: 1, File: 2, All: 3 } as const;

const normalizeSeparators = (p: string) => p.replace(/\/\/+/g, '/');

function safeTrimTrailingSeparator(p: string): string {
  p = normalizeSeparators(p);
  return p.endsWith('/') && p !== '/' ? p.slice(0, -1) : p;
}

/** Segments as @actions/glob's Path computes them: the root, then each name. */
function pathSegments(p: string): string[] {
  p = safeTrimTrailingSeparator(p);
  if (!p.startsWith('/')) return p.split('/');
  const segments: string[] = [];
  let remaining = p;
  let dir = path.dirname(remaining);
  while (dir !== remaining) {
    segments.unshift(path.basename(remaining));
    remaining = dir;
    dir = path.dirname(remaining);
  }
  segments.unshift(remaining);
  return segments;
}

function segmentsToPath(segments: string[]): string {
  const [root = '', ...rest] = segments;
  return root.endsWith('/') ? root + rest.join('/') : [root, ...rest].join('/');
}

function globEscape(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/(\[)(?=[^/]+\])/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]');
}

/** The literal text of a segment with its escapes removed, or '' when it contains a glob. */
function literalOf(segment: string): string {
  let literal = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) {
      literal += segment[++i];
      continue;
    }
    if (c === '*' || c === '?') return '';
    if (c === '[' && i + 1 < segment.length) {
      let set = '';
      let closed = -1;
      for (let j = i + 1; j < segment.length; j++) {
        const c2 = segment[j]!;
        if (c2 === '\\' && j + 1 < segment.length) {
          set += segment[++j];
          continue;
        }
        if (c2 === ']') {
          closed = j;
          break;
        }
        set += c2;
      }
      if (closed >= 0) {
        if (set.length > 1) return '';
        if (set) {
          literal += set;
          i = closed;
          continue;
        }
      }
    }
    literal += c;
  }
  return literal;
}

function rooted(pattern: string, workspace: string): string {
  const literals = pathSegments(pattern).map(literalOf);
  if (!literals.every((x, i) => (x !== '.' || i === 0) && x !== '..')) {
    throw new Error(`Invalid pattern '${pattern}'. Relative pathing '.' and '..' is not allowed.`);
  }
  pattern = normalizeSeparators(pattern);
  if (pattern === '.' || pattern.startsWith('./')) pattern = globEscape(workspace) + pattern.slice(1);
  else if (pattern === '~' || pattern.startsWith('~/')) pattern = globEscape(os.homedir()) + pattern.slice(1);
  else if (!pattern.startsWith('/')) pattern = `${globEscape(workspace)}/${pattern}`;
  return normalizeSeparators(pattern);
}

function build(negate: boolean, pattern: string): GlobPattern {
  const segments = pathSegments(pattern);
  const trailingSeparator = normalizeSeparators(pattern).endsWith('/');
  pattern = safeTrimTrailingSeparator(pattern);
  let foundGlob = false;
  const searchSegments = segments.map(literalOf).filter((x) => !foundGlob && !(foundGlob = x === ''));
  const minimatch = new Minimatch(pattern, { dot: true, nobrace: true, nocomment: true, noext: true, nonegate: true });
  return { negate, segments, trailingSeparator, searchPath: segmentsToPath(searchSegments), minimatch };
}

/** Parses one pattern line (already trimmed, not empty, not a comment). */
export function parsePattern(line: string, workspace: string): GlobPattern {
  let negate = false;
  let pattern = line.trim();
  while (pattern.startsWith('!')) {
    negate = !negate;
    pattern = pattern.slice(1).trim();
  }
  if (pattern === '') throw new Error(`Invalid pattern '${line}': nothing after '!'`);
  return build(negate, rooted(pattern, workspace));
}

/** `p/**` for a pattern that does not end in `**`: matching a directory matches what is under it. */
export function withDescendants(p: GlobPattern): GlobPattern | undefined {
  if (!p.trailingSeparator && p.segments[p.segments.length - 1] === '**') return undefined;
  return build(p.negate, segmentsToPath([...p.segments, '**']));
}

export function matchKind(p: GlobPattern, itemPath: string): number {
  if (p.segments[p.segments.length - 1] === '**') {
    // minimatch does not match `/foo` against `/foo/**`, only `/foo/`
    itemPath = normalizeSeparators(itemPath);
    if (!itemPath.endsWith('/')) itemPath += '/';
  } else {
    itemPath = safeTrimTrailingSeparator(itemPath);
  }
  if (!p.minimatch.match(itemPath)) return MatchKind.None;
  return p.trailingSeparator ? MatchKind.Directory : MatchKind.All;
}

/** Whether the pattern may match something below `itemPath` (decides whether to descend). */
export function partiallyMatches(p: GlobPattern, itemPath: string): boolean {
  itemPath = safeTrimTrailingSeparator(itemPath);
  if (path.dirname(itemPath) === itemPath) return itemPath.startsWith(p.segments[0] ?? '/');
  return p.minimatch.matchOne(itemPath.split(/\/+/), p.minimatch.set[0] ?? [], true);
}
