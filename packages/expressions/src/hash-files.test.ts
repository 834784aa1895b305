import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, hashFiles } from './index.js';

let ws: string;
let outside: string;

const files: Record<string, string> = {
  'a.txt': 'alpha\n',
  'b.txt': 'bravo\n',
  'a/z.txt': 'zulu\n',
  'sub/c.txt': 'charlie\n',
  'sub/deep/d.md': '# delta\n',
  '.hidden': 'secret\n',
  'lock/package-lock.json': '{}\n',
};

/** GitHub's definition, written out: sha256 over the binary sha256 of each file, in this order. */
function expectedHash(...relative: string[]): string {
  const outer = createHash('sha256');
  for (const r of relative) outer.update(createHash('sha256').update(files[r]!).digest());
  return outer.digest('hex');
}

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kact-hash-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kact-outside-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), content);
  }
  fs.mkdirSync(path.join(ws, 'empty-dir'));
  fs.writeFileSync(path.join(outside, 'x.txt'), 'outside\n');
});

afterAll(() => {
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('hashFiles', () => {
  it.each<[string[], string[]]>([
    [['a.txt'], ['a.txt']],
    [['./b.txt'], ['b.txt']],
    [['*.txt'], ['a.txt', 'b.txt']],
    // the walk visits directory `a` (name "a") before file "a.txt", as GitHub's glob walk does
    [['**/*.txt'], ['a/z.txt', 'a.txt', 'b.txt', 'sub/c.txt']],
    [['**/*.txt', '!sub/**'], ['a/z.txt', 'a.txt', 'b.txt']],
    [['**/*.txt', '!**/z.txt'], ['a.txt', 'b.txt', 'sub/c.txt']],
    [['sub'], ['sub/c.txt', 'sub/deep/d.md']],
    [['sub/'], ['sub/c.txt', 'sub/deep/d.md']],
    [['**/*.md', 'a.txt'], ['a.txt', 'sub/deep/d.md']],
    [['*'], ['.hidden', 'a/z.txt', 'a.txt', 'b.txt', 'lock/package-lock.json', 'sub/c.txt', 'sub/deep/d.md']],
    [['?.txt'], ['a.txt', 'b.txt']],
    [['**/package-lock.json'], ['lock/package-lock.json']],
    [['a.txt\nb.txt'], ['a.txt', 'b.txt']],
    [['# comment\nb.txt'], ['b.txt']],
    [['!!b.txt'], ['b.txt']],
  ])('%j hashes %j', (patterns, expected) => {
    expect(hashFiles(ws, patterns)).toBe(expectedHash(...expected));
  });

  it('gives the same hash however the patterns list a file twice', () => {
    expect(hashFiles(ws, ['a.txt', 'a.txt'])).toBe(expectedHash('a.txt'));
  });

  it('is empty when nothing matches, including directories only', () => {
    expect(hashFiles(ws, ['**/*.none'])).toBe('');
    expect(hashFiles(ws, ['empty-dir'])).toBe('');
    expect(hashFiles(ws, ['does/not/exist/**'])).toBe('');
  });

  it('ignores files outside the workspace', () => {
    expect(hashFiles(ws, [path.join(outside, 'x.txt')])).toBe('');
    expect(hashFiles(ws, [path.join(outside, 'x.txt'), 'b.txt'])).toBe(expectedHash('b.txt'));
  });

  it('leaves out links that lead out of the workspace, and never reads what they point to', () => {
    const links = { 'host-file': path.join(outside, 'x.txt'), 'host-dir': outside, endless: '/dev/zero' };
    for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(ws, name));
    try {
      expect(hashFiles(ws, ['host-file', 'b.txt'])).toBe(expectedHash('b.txt'));
      expect(hashFiles(ws, ['--follow-symbolic-links', 'host-dir/**', 'host-file'])).toBe('');
      // Last: read, it would never end.
      expect(hashFiles(ws, ['endless', 'b.txt'])).toBe(expectedHash('b.txt'));
    } finally {
      for (const name of Object.keys(links)) fs.unlinkSync(path.join(ws, name));
    }
  });

  it('rejects `..` in a pattern with an ExpressionError', () => {
    expect(() => hashFiles(ws, ['../x.txt'])).toThrow(ExpressionError);
    expect(() => hashFiles(ws, ['../x.txt'])).toThrow(/Relative pathing '\.' and '\.\.' is not allowed/);
  });

  it('accepts --follow-symbolic-links as the first argument only', () => {
    fs.symlinkSync(path.join(ws, 'sub'), path.join(ws, 'link-to-sub'));
    try {
      expect(hashFiles(ws, ['link-to-sub/**'])).toBe('');
      expect(hashFiles(ws, ['--follow-symbolic-links', 'link-to-sub/**'])).toBe(expectedHash('sub/c.txt', 'sub/deep/d.md'));
      expect(() => hashFiles(ws, ['--bogus', 'a.txt'])).toThrow(/Invalid glob option --bogus/);
    } finally {
      fs.unlinkSync(path.join(ws, 'link-to-sub'));
    }
  });

  it('is what the hashFiles() expression function returns, relative to the workspace option', () => {
    expect(evaluate("hashFiles('**/*.txt', '!sub/**')", {}, { workspace: ws })).toBe(expectedHash('a/z.txt', 'a.txt', 'b.txt'));
    expect(evaluate("hashFiles('a.txt', 'b.txt')", {}, { workspace: ws })).toBe(expectedHash('a.txt', 'b.txt'));
    expect(evaluate("format('key-{0}', hashFiles('nothing'))", {}, { workspace: ws })).toBe('key-');
  });
});
