import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { InputError, type SourceLocation } from '@kact/model';

/** `kact.config.yaml` at the repository root (or `--config FILE`): which module backs each token. */
export interface KactConfig {
  /** The file it was read from; undefined when there is none. */
  file?: string;
  strategy?: string;
  /** Plugins to load, each resolved from `baseDir` (the config file's folder). */
  plugins: Array<{ specifier: string; baseDir: string }>;
  /** ContainerSelection: runner classes per label (raw; the module validates them); absent: the -P map. */
  runnerClasses?: unknown;
  env: 'configmap' | 'inline';
  /** SecretProvider: `job` (-s / .secrets) or an existing Kubernetes Secret. */
  secrets: { kind: 'job' } | { kind: 'cluster'; from: string };
  /** FileSharing: `emptydir`, or claims for the tool cache and the workspace (raw; the module validates them). */
  files?: unknown;
  services: 'in-pod' | 'pods';
  /** Where a key path stands in the file, for messages. */
  locate(path: Array<string | number>): SourceLocation | undefined;
}

export const CONFIG_FILE = 'kact.config.yaml';

const TOP_KEYS = ['strategy', 'plugins', 'containers', 'env', 'secrets', 'files', 'services'];

/** Reads and checks the config; no file is the same as an empty one. Bad content is exit 2, naming file:line. */
export async function readKactConfig(repoRoot: string, explicit?: string): Promise<KactConfig> {
  const file = explicit ? resolve(explicit) : resolve(repoRoot, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw InputError.at(`--config ${explicit ?? file}: ${(err as Error).message}`);
  }
  return parseKactConfig(text, file);
}

/** kact's defaults for every token: what a repository without a config file gets. */
export function emptyConfig(): KactConfig {
  return { plugins: [], env: 'configmap', secrets: { kind: 'job' }, services: 'in-pod', locate: () => undefined };
}

export function parseKactConfig(text: string, file: string): KactConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const locate = (path: Array<string | number>): SourceLocation | undefined => {
    const node = path.length ? findNode(doc, path) : doc.contents;
    const offset = (node as { range?: [number, number] } | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const keyLocation = (key: string): SourceLocation | undefined => {
    const pair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const offset = (pair?.key as { range?: [number, number] } | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const fail = (path: Array<string | number>, message: string): never => {
    throw InputError.at(`${path.length ? `${path.join('.')}: ` : ''}${message}`, locate(path) ?? { file, line: 1, column: 1 });
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const { line, col } = lines.linePos(e.pos[0]);
    throw InputError.at(e.message.split('\n')[0]!, { file, line, column: col });
  }
  const raw = (doc.toJS() ?? {}) as unknown;
  if (!isRecord(raw)) return fail([], 'expected a mapping of settings');
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) throw InputError.at(`${key}: unknown setting (known: ${TOP_KEYS.join(', ')})`, keyLocation(key) ?? { file, line: 1, column: 1 });
  }
  const config = emptyConfig();
  config.file = file;
  config.locate = locate;
  const baseDir = dirname(file);

  if (raw.strategy !== undefined) config.strategy = stringAt(raw.strategy, ['strategy'], fail);
  if (raw.plugins !== undefined) {
    if (!Array.isArray(raw.plugins)) fail(['plugins'], 'expected a list of packages or paths');
    config.plugins = (raw.plugins as unknown[]).map((p, i) => ({ specifier: stringAt(p, ['plugins', i], fail), baseDir }));
  }
  if (raw.containers !== undefined) {
    if (!isRecord(raw.containers) || Object.keys(raw.containers).some((k) => k !== 'runnerClasses')) fail(['containers'], 'expected { runnerClasses: { <label>: { image, … } } }');
    config.runnerClasses = (raw.containers as Record<string, unknown>).runnerClasses;
  }
  if (raw.env !== undefined) config.env = oneOf(raw.env, ['env'], ['configmap', 'inline'] as const, fail);
  if (raw.secrets !== undefined) {
    if (raw.secrets === 'job') config.secrets = { kind: 'job' };
    else if (isRecord(raw.secrets) && typeof raw.secrets.from === 'string' && Object.keys(raw.secrets).length === 1) config.secrets = { kind: 'cluster', from: raw.secrets.from };
    else fail(['secrets'], "expected 'job' or { from: secret/NAME }");
  }
  if (raw.files !== undefined && raw.files !== 'emptydir') config.files = raw.files;
  if (raw.services !== undefined) config.services = oneOf(raw.services, ['services'], ['in-pod', 'pods'] as const, fail);
  return config;
}

type Fail = (path: Array<string | number>, message: string) => never;

function stringAt(value: unknown, path: Array<string | number>, fail: Fail): string {
  if (typeof value !== 'string' || value === '') fail(path, 'expected a non-empty string');
  return value as string;
}

function oneOf<T extends string>(value: unknown, path: string[], allowed: readonly T[], fail: Fail): T {
  if (!allowed.includes(value as T)) fail(path, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The node at a path, or the nearest ancestor that exists (so a message always has a line). */
function findNode(doc: Document, path: Array<string | number>): unknown {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) return node;
    const next = isMap(node) ? node.items.find((pair) => isScalar(pair.key) && pair.key.value === key) : (node as { items: unknown[] }).items[key as number];
    if (next === undefined) return node;
    node = isMap(node) ? ((next as { value?: unknown; key: unknown }).value ?? (next as { key: unknown }).key) : next;
  }
  return node;
}
