import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ContainerModule, type Container, type ContainerModuleLoadOptions, type ServiceIdentifier } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, SINGLE_BINDING_TOKENS, TOKENS, type StepStrategy } from '@kact/core';
import { InputError } from '@kact/model';
import { importModule } from './import-module.js';

/**
 * Where a plugin specifier is looked up. `baseDir`: what a path (`./x.js`, `../x`, `/abs/x.js`,
 * `file:` URL) is relative to — the cwd for `--plugin`, the config file's folder for
 * `kact.config.yaml`. `projectDir`: where a package name is looked up first (its node_modules
 * and those above it), before kact's own install.
 */
export interface PluginLocation {
  baseDir: string;
  projectDir: string;
}

/** A plugin, imported and checked: its one ContainerModule and the contract it was built for. */
export interface LoadedPlugin {
  /** As the user wrote it. */
  specifier: string;
  /** The absolute path of the file imported. */
  file: string;
  module: ContainerModule;
  contract: number;
}

/** kact's own folder: a package name the user's project lacks is looked up from here. */
const KACT_DIR = dirname(fileURLToPath(import.meta.url));

/** The first line of a message, trimmed: inversify's and Node's texts run over many lines. */
function firstLine(text: string): string {
  return (text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').trim();
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return firstLine(err.message) || err.name;
  return firstLine(String(err));
}

/** `plugin <specifier> (<where>): <what>`, as one line. */
function pluginError(specifier: string, where: string, what: string): InputError {
  return InputError.at(`plugin ${firstLine(specifier)} (${firstLine(where)}): ${firstLine(what)}`);
}

/** A value described for a message: "a plain object", "a function", "undefined", "a string"… */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? 'a class' : 'a function';
  if (typeof value === 'object') {
    if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    if (proto === null || proto === Object.prototype) return 'a plain object';
    const name = proto.constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

function isPath(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || /^\.\.?[\\/]/.test(specifier) || specifier.startsWith('file:') || isAbsolute(specifier);
}

// --- package resolution -------------------------------------------------------------------

/** `@scope/name/sub/path` → `@scope/name` and `./sub/path`. */
function splitPackageName(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const take = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(take).join('/');
  return { name: parts.slice(0, take).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/** The folder of an installed package, as Node looks for it: node_modules here and in every folder above. */
function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const CONDITIONS = ['import', 'node', 'default'];

/** An `exports` target under the conditions an ESM `import` uses. */
function exportsTarget(target: unknown, star?: string): string | undefined {
  if (typeof target === 'string') return star === undefined ? target : target.replaceAll('*', star);
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = exportsTarget(item, star);
      if (found) return found;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.includes(condition)) continue;
      const found = exportsTarget(value, star);
      if (found) return found;
    }
  }
  return undefined;
}

/** What `import`ing `subpath` of the package in `pkgDir` loads, read from its package.json. */
function packageEntry(pkgDir: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown; main?: unknown };
  const { exports } = manifest;
  if (exports !== undefined && exports !== null) {
    const map = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.')) ? (exports as Record<string, unknown>) : { '.': exports };
    let target = exportsTarget(map[subpath]);
    if (target === undefined) {
      for (const [key, value] of Object.entries(map)) {
        const star = key.indexOf('*');
        if (star < 0) continue;
        const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
        if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
          target = exportsTarget(value, subpath.slice(prefix.length, subpath.length - suffix.length));
          if (target) break;
        }
      }
    }
    return target === undefined ? undefined : resolve(pkgDir, target);
  }
  const base = subpath === '.' ? (typeof manifest.main === 'string' ? manifest.main : 'index.js') : subpath;
  const full = resolve(pkgDir, base);
  return [full, `${full}.js`, `${full}.mjs`, join(full, 'index.js')].find((f) => existsSync(f) && statSync(f).isFile());
}

/** The package.json of `pkgDir` declares `exports`: then `import` may load another file than `require`. */
function hasExports(pkgDir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown };
    return manifest.exports !== undefined && manifest.exports !== null;
  } catch {
    return false;
  }
}

/**
 * Resolves a package name as an ESM `import` from `fromDir` would: `require.resolve` finds it;
 * a package with `exports` has its entry read under the `import` conditions (an ESM-only
 * package, whose `exports` offer only `import`, fails `require.resolve`; a dual one would give
 * its CommonJS build). `undefined`: not installed there.
 */
function resolvePackageFrom(specifier: string, fromDir: string): string | undefined {
  const { name, subpath } = splitPackageName(specifier);
  const esmEntry = (pkgDir: string): string => {
    let entry: string | undefined;
    try {
      entry = packageEntry(pkgDir, subpath);
    } catch (err) {
      throw pluginError(specifier, join(pkgDir, 'package.json'), `cannot be read: ${messageOf(err)}`);
    }
    if (entry && existsSync(entry)) return realpathSync(entry);
    throw pluginError(specifier, pkgDir, entry ? `its package.json points at ${entry}, which does not exist` : `its package.json exports nothing an ESM import of "${subpath}" can load`);
  };
  const require = createRequire(join(fromDir, 'package.json'));
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const pkgDir = findPackageDir(name, fromDir);
    if (!pkgDir && code === 'MODULE_NOT_FOUND') return undefined;
    if (pkgDir && code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return esmEntry(pkgDir);
    throw pluginError(specifier, pkgDir ?? fromDir, `cannot be resolved: ${messageOf(err)}`);
  }
  const pkgDir = findPackageDir(name, fromDir);
  if (pkgDir && isAbsolute(resolved) && resolved.startsWith(`${realpathSync(pkgDir)}${sep}`) && hasExports(pkgDir)) return esmEntry(pkgDir);
  return resolved;
}

/**
 * The file a plugin specifier names. A path resolves against `baseDir` (a folder: its
 * package.json's entry or index.js); a package name from `projectDir` first, then from kact's own
 * install. Not found: an InputError naming where it looked.
 */
export function resolvePluginSpecifier(specifier: string, { baseDir, projectDir }: PluginLocation): string {
  if (isPath(specifier)) {
    const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(baseDir, specifier);
    if (!existsSync(path)) throw pluginError(specifier, path, 'no such file');
    if (statSync(path).isDirectory()) {
      const entry = existsSync(join(path, 'package.json')) ? packageEntry(path, '.') : [join(path, 'index.js'), join(path, 'index.mjs')].find((f) => existsSync(f));
      if (!entry || !existsSync(entry)) throw pluginError(specifier, path, 'is a folder with no package.json entry or index.js to load');
      return realpathSync(entry);
    }
    return realpathSync(path);
  }
  const searched = [resolve(projectDir), KACT_DIR];
  for (const dir of searched) {
    const found = resolvePackageFrom(specifier, dir);
    if (found === undefined) continue;
    if (!isAbsolute(found)) throw pluginError(specifier, found, 'is a Node.js built-in module, not a plugin');
    return found;
  }
  const fileHint = /\.[cm]?js$/.test(specifier) && existsSync(resolve(baseDir, specifier)) ? ` (for the file, write ./${specifier})` : '';
  throw pluginError(specifier, 'not found', `no such package in node_modules of ${searched[0]} or of kact's own folder ${searched[1]}, nor of any folder above them${fileHint}`);
}

// --- loading --------------------------------------------------------------------------------

/** Where `node --check` finds a syntax error in `file`: `file:line:col: message`, or undefined if it parses. */
function syntaxErrorIn(file: string): string | undefined {
  try {
    execFileSync(process.execPath, ['--check', file], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000, encoding: 'utf8' });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    const lines = stderr.split(/\r?\n/);
    const at = lines.findIndex((line) => /^.+:\d+$/.test(line));
    const message = lines.find((line) => /^SyntaxError: /.test(line))?.slice('SyntaxError: '.length);
    if (at < 0 || message === undefined) return undefined;
    const [, where, line] = /^(.+):(\d+)$/.exec(lines[at]!)!;
    const caret = lines.slice(at + 1, at + 4).find((l) => /^\s*\^+\s*$/.test(l));
    const column = caret === undefined ? '' : `:${caret.indexOf('^') + 1}`;
    return `${where}:${line}${column}: ${message}`;
  }
}

function isContainerModule(value: unknown): value is ContainerModule {
  if (value instanceof ContainerModule) return true;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const candidate = value as { load?: unknown; id?: unknown };
  return typeof candidate.load === 'function' && typeof candidate.id === 'number';
}

const MODULE_EXAMPLE = 'new ContainerModule(({ bind }) => …)';

/** The plugin's ContainerModule: its default export, or its only ContainerModule export. */
function chooseModule(specifier: string, file: string, exports: Record<string, unknown>): ContainerModule {
  if ('default' in exports) {
    const chosen = exports.default;
    if (isContainerModule(chosen)) return chosen;
    throw pluginError(specifier, file, `its default export is ${describeValue(chosen)}, not an inversify ContainerModule (${MODULE_EXAMPLE})`);
  }
  const named = Object.entries(exports).filter(([, value]) => isContainerModule(value));
  if (named.length === 1) return named[0]![1] as ContainerModule;
  if (named.length === 0) throw pluginError(specifier, file, `exports no inversify ContainerModule (export default ${MODULE_EXAMPLE})`);
  throw pluginError(specifier, file, `exports ${named.length} ContainerModules (${named.map(([key]) => key).join(', ')}) and no default; export the one to load as default`);
}

function checkContract(specifier: string, file: string, contract: unknown): number {
  if (contract === undefined) throw pluginError(specifier, file, `declares no kactContract; export const kactContract = ${PLUGIN_CONTRACT_VERSION}`);
  if (typeof contract !== 'number') throw pluginError(specifier, file, `its kactContract is ${describeValue(contract)}, not a number; export const kactContract = ${PLUGIN_CONTRACT_VERSION}`);
  if (contract !== PLUGIN_CONTRACT_VERSION) throw pluginError(specifier, file, `built for plugin contract ${contract}, this kact speaks ${PLUGIN_CONTRACT_VERSION}`);
  return contract;
}

/**
 * Finds, imports and checks a plugin: an ESM package or file exporting one inversify
 * ContainerModule (default, or its only ContainerModule export) and `kactContract`. Any problem
 * is an InputError of one line, `plugin <specifier> (<file>): <what is wrong>`.
 */
export async function loadPlugin(specifier: string, location: PluginLocation): Promise<LoadedPlugin> {
  const file = resolvePluginSpecifier(specifier, location);
  let exports: Record<string, unknown>;
  try {
    exports = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    // Node's SyntaxError for an ES module carries no location: `node --check` reports it.
    const syntax = syntaxErrorIn(file);
    if (syntax) throw pluginError(specifier, file, `syntax error at ${syntax}`);
    throw pluginError(specifier, file, `throws while loading: ${messageOf(err)}`);
  }
  const contract = exports.kactContract;
  // A plugin built for another contract may well have another shape: say that first.
  if (typeof contract === 'number') checkContract(specifier, file, contract);
  const module = chooseModule(specifier, file, exports);
  return { specifier, file, module, contract: checkContract(specifier, file, contract) };
}

// --- composition ----------------------------------------------------------------------------

/**
 * Who bound which token, for messages: filled by `replacingModule`, read by `ownerOf` and
 * `decorateStrategy`. A token absent from it was bound by kact's defaults.
 */
export type BindingOwners = Map<ServiceIdentifier, string[]>;

const DEFAULTS_OWNER = "kact's defaults";

/** The phrase naming who bound `token`: `plugin <specifier>` or "kact's defaults". */
export function ownerOf(owners: BindingOwners | undefined, token: ServiceIdentifier): string {
  const list = owners?.get(token);
  return list && list.length > 0 ? list[list.length - 1]! : DEFAULTS_OWNER;
}

/**
 * The plugin's module, loaded so that a `bind` of a single-binding token (SINGLE_BINDING_TOKENS)
 * already bound replaces the earlier binding instead of adding an ambiguous one. Other tokens —
 * StepStrategyDecorator among them — bind as usual, so decorators of several plugins stack.
 * With `owners`, records that the plugin bound each token.
 */
export function replacingModule(plugin: LoadedPlugin, owners?: BindingOwners): ContainerModule {
  const owner = `plugin ${plugin.specifier}`;
  return new ContainerModule((options: ContainerModuleLoadOptions) =>
    plugin.module.load({
      ...options,
      bind: <T>(token: ServiceIdentifier<T>) => {
        const single = SINGLE_BINDING_TOKENS.includes(token as symbol);
        if (single && options.isBound(token)) options.unbindSync(token);
        if (owners) owners.set(token, single ? [owner] : [...(owners.get(token) ?? []), owner]);
        return options.bind(token);
      },
    }),
  );
}

function tokenName(token: ServiceIdentifier): string {
  if (typeof token === 'symbol') return token.description ?? token.toString();
  if (typeof token === 'function') return token.name || 'an anonymous class';
  return String(token);
}

/** `Symbol(kact.X)` in inversify's text → `kact.X`. */
function serviceName(text: string): string {
  return /^Symbol\((.*)\)$/.exec(text)?.[1] ?? text;
}

function isInversifyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const marked = err as Record<symbol, unknown>;
  return marked[Symbol.for('@inversifyjs/core/InversifyCoreError')] === true || marked[Symbol.for('@inversifyjs/container/InversifyContainerError')] === true;
}

/** Inversify's many-line resolution error, or what a constructor threw, as one InputError line. */
function resolutionError(err: unknown, token: ServiceIdentifier, owner: string): InputError {
  const name = tokenName(token);
  const first = messageOf(err);
  if (!isInversifyError(err)) return InputError.at(`${name} (bound by ${owner}): threw while being created: ${first}`);
  const missing = /^No bindings found for service: "(.*)"/.exec(first);
  if (missing) {
    const what = serviceName(missing[1]!);
    return InputError.at(what === name ? `${name}: nothing is bound to it (neither kact's defaults nor a plugin bind it)` : `${name} (bound by ${owner}) depends on ${what}, which nothing binds`);
  }
  const ambiguous = /^Ambiguous bindings found for service: "(.*)"/.exec(first);
  if (ambiguous) {
    const what = serviceName(ambiguous[1]!);
    return InputError.at(`${name} (bound by ${owner}): ${what === name ? 'it' : what} is bound more than once and takes a single binding`);
  }
  return InputError.at(`${name} (bound by ${owner}): cannot be resolved: ${first}`);
}

/**
 * `container.get(token)`, with inversify's errors (unbound dependency, ambiguous bindings, a
 * constructor that throws) as one-line InputErrors naming the token and `owner` (who bound it:
 * `plugin <specifier>` or "kact's defaults"; see `ownerOf`).
 */
export function resolveToken<T>(container: Container, token: ServiceIdentifier<T>, owner: string): T {
  try {
    return container.get<T>(token);
  } catch (err) {
    throw resolutionError(err, token, owner);
  }
}

function isStepStrategy(value: unknown): value is StepStrategy {
  if (typeof value !== 'object' || value === null) return false;
  const strategy = value as Partial<StepStrategy>;
  return typeof strategy.runProcess === 'function' && typeof strategy.runContainer === 'function';
}

/**
 * Wraps `strategy` in every bound StepStrategyDecorator, in load order: the first loaded wraps
 * the strategy itself, the last loaded is outermost (its wrapper sees each call first). None
 * bound: `strategy` unchanged. A decorator that is not a function, throws, or returns no
 * StepStrategy is a one-line InputError naming it (`kact.StepStrategyDecorator #n (bound by …)`).
 */
export function decorateStrategy(container: Container, strategy: StepStrategy, owners?: BindingOwners): StepStrategy {
  const token = TOKENS.StepStrategyDecorator;
  if (!container.isBound(token)) return strategy;
  let decorators: unknown[];
  try {
    decorators = container.getAll<unknown>(token);
  } catch (err) {
    throw resolutionError(err, token, owners?.get(token)?.join(', ') ?? DEFAULTS_OWNER);
  }
  // Plugins load after kact's defaults: the recorded owners are the last decorators bound.
  const recorded = owners?.get(token) ?? [];
  const fromDefaults = decorators.length - recorded.length;
  let current = strategy;
  decorators.forEach((decorator, index) => {
    const owner = index >= fromDefaults ? recorded[index - fromDefaults]! : DEFAULTS_OWNER;
    const name = `${tokenName(token)} #${index + 1} (bound by ${owner})`;
    if (typeof decorator !== 'function') throw InputError.at(`${name}: is ${describeValue(decorator)}, not a function (inner: StepStrategy) => StepStrategy`);
    let decorated: unknown;
    try {
      decorated = (decorator as (inner: StepStrategy) => unknown)(current);
    } catch (err) {
      throw InputError.at(`${name}: threw: ${messageOf(err)}`);
    }
    if (!isStepStrategy(decorated)) throw InputError.at(`${name}: returned ${describeValue(decorated)}, not a StepStrategy (with runProcess and runContainer)`);
    current = decorated;
  });
  return current;
}
