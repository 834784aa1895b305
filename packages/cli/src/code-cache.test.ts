import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { requireWithCodeCache, type CodeCacheOptions } from './code-cache.js';

// A process compiles kact's engine once; these tests load one file many times, which V8 would
// then take from its in-memory compilation cache without looking at the code cache given.
setFlagsFromString('--no-compilation-cache');

const work = mkdtempSync(join(tmpdir(), 'kact-code-cache-'));
const file = join(work, 'engine-1.cjs');
writeFileSync(
  file,
  `"use strict";
exports.strict = (function () { return this === undefined; })();
exports.twice = (n) => n * 2;
exports.load = (url) => __kactImportModule(url);
exports.here = __filename;
`,
);

/** Loads `file`, collecting the cache writes it asks for instead of waiting for the exit. */
function load(cacheDir: string, more: Partial<CodeCacheOptions> = {}) {
  const saves: Array<() => void> = [];
  const exports = requireWithCodeCache(file, { key: 'list', cacheDir, importModule: async (url) => `imported ${url}`, onExit: (save) => saves.push(save), ...more }) as {
    strict: boolean;
    twice: (n: number) => number;
    load: (url: string) => Promise<string>;
    here: string;
  };
  return { exports, saves };
}

const cacheFile = (cacheDir: string) => join(cacheDir, 'engine-1.cjs', `list-${process.version}-${process.arch}.v8`);

afterEach(() => {
  delete process.env.NODE_DISABLE_COMPILE_CACHE;
});

describe('requireWithCodeCache', () => {
  it('runs the file as strict CommonJS, with the import function it is given', async () => {
    const { exports } = load(join(work, 'a'));
    expect(exports.strict).toBe(true);
    expect(exports.twice(21)).toBe(42);
    expect(exports.here).toBe(file);
    await expect(exports.load('file:///plugin.mjs')).resolves.toBe('imported file:///plugin.mjs');
  });

  it('writes the cache after the first run and uses it after that', () => {
    const dir = join(work, 'b');
    const first = load(dir);
    expect(first.saves).toHaveLength(1);
    first.saves[0]!();
    expect(readFileSync(cacheFile(dir)).length).toBeGreaterThan(0);
    const second = load(dir);
    expect(second.exports.twice(2)).toBe(4);
    expect(second.saves).toHaveLength(0);
  });

  it('compiles anew and rewrites a cache V8 rejects', () => {
    const dir = join(work, 'c');
    mkdirSync(join(dir, 'engine-1.cjs'), { recursive: true });
    writeFileSync(cacheFile(dir), 'not a code cache');
    const { exports, saves } = load(dir);
    expect(exports.twice(3)).toBe(6);
    expect(saves).toHaveLength(1);
    saves[0]!();
    expect(readFileSync(cacheFile(dir), 'utf8')).not.toBe('not a code cache');
  });

  it('runs without a cache where none can be written', () => {
    const blocked = join(work, 'a-file');
    writeFileSync(blocked, '');
    const { exports, saves } = load(join(blocked, 'v8'));
    expect(exports.twice(4)).toBe(8);
    expect(() => saves[0]!()).not.toThrow();
  });

  it('reads and writes none with NODE_DISABLE_COMPILE_CACHE', () => {
    process.env.NODE_DISABLE_COMPILE_CACHE = '1';
    const dir = join(work, 'd');
    const { exports, saves } = load(dir);
    expect(exports.twice(5)).toBe(10);
    expect(saves).toHaveLength(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps the caches of the newest builds only', () => {
    const dir = join(work, 'e');
    for (const build of ['engine-old-1.cjs', 'engine-old-2.cjs', 'engine-old-3.cjs']) mkdirSync(join(dir, build), { recursive: true });
    load(dir).saves[0]!();
    expect(readdirSync(dir)).toHaveLength(3);
    expect(readdirSync(dir)).toContain('engine-1.cjs');
  });
});
