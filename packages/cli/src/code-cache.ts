import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Most of a short kact command is V8 compiling JavaScript: GitHub's workflow parser, YAML,
 * kact's modules. Node 22 keeps compiled code between runs (`module.enableCompileCache()`);
 * Node 20 offers no such cache for ES modules, only V8's code cache for a script. So the built
 * kact runs its commands' code as one CommonJS file through `vm.Script` with that cache, one per
 * key (what a command compiles), written after the first successful run that had none, in
 * $XDG_CACHE_HOME/kact/v8 (~/.cache/kact/v8). A cache V8 rejects (another Node, a corrupt file)
 * only costs the compile it would have saved, and is written again; where none can be written,
 * kact runs without one. NODE_DISABLE_COMPILE_CACHE, as for Node's own cache, turns it off.
 */
export interface CodeCacheOptions {
  /** Names what this run compiles, e.g. the command: each key has a cache of its own. */
  key: string;
  /** Given to the file's code as the free variable `__kactImportModule`: in Node 20, code that V8 runs from a script cannot `import()`. */
  importModule: (url: string) => Promise<unknown>;
  /** Default: $XDG_CACHE_HOME/kact/v8, else ~/.cache/kact/v8. */
  cacheDir?: string;
  /**
   * When to write a new cache; default: at the process's exit, if it exits 0 (a failed command's
   * cache would hold little more than the way to its error, and would be used from then on).
   */
  onExit?: (save: () => void) => void;
}

/** Caches of this many builds of a file are kept (the newest): a rebuilt kact compiles anew. */
const BUILDS_KEPT = 3;

export function defaultCodeCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kact', 'v8');
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache whole (a concurrent kact reads the old one or this one), and drops the caches of older builds. */
function writeCache(dir: string, file: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, data);
    renameSync(temporary, file);
    const builds = dirname(dir);
    const others = readdirSync(builds)
      .map((name) => ({ path: join(builds, name), mtime: statSync(join(builds, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of others.slice(BUILDS_KEPT)) rmSync(old.path, { recursive: true, force: true });
  } catch {
    // A cache is an optimisation: a read-only or full disk costs speed, never the command.
  }
}

/**
 * Runs a CommonJS `file` as `require` would and returns its `module.exports`, compiled from V8's
 * code cache for `options.key` when there is one. The file is strict code (bundle.mjs starts it
 * with "use strict").
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions): unknown {
  const source = readFileSync(file, 'utf8');
  const useCache = !process.env.NODE_DISABLE_COMPILE_CACHE;
  // One folder per build of the file (its name carries a hash of its content), one file per key and Node.
  const dir = join(options.cacheDir ?? defaultCodeCacheDir(), basename(file));
  const cacheFile = join(dir, `${options.key}-${process.version}-${process.arch}.v8`);
  const cachedData = useCache ? readCache(cacheFile) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __kactImportModule) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  // After the command: the cache then holds every function it compiled, not only the outermost.
  if (useCache && (cachedData === undefined || script.cachedDataRejected)) {
    const onExit = options.onExit ?? ((save) => process.once('exit', (code) => code === 0 && save()));
    onExit(() => writeCache(dir, cacheFile, script.createCachedData()));
  }
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file), options.importModule);
  return module.exports;
}
