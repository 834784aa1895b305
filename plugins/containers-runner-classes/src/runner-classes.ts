import { InputError } from '@kact/model';
import type { ContainerSelection, PodPlacement, RunnerSelection } from '@kact/core';

/** A Kubernetes toleration, as a runner class lists it. */
export interface RunnerToleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/**
 * How a platform team describes the pods of one kind of runner (`containers.runnerClasses.<label>`
 * in kact.config.yaml): the image, and where and with what its pods run.
 */
export interface RunnerClass {
  image: string;
  nodeSelector?: Record<string, string>;
  tolerations?: RunnerToleration[];
  /** Requests and limits of the job's main container, as quantities (`"1"`, `500m`, `4Gi`). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  runtimeClassName?: string;
  /** The job pod's service account; its token is mounted (cloud credentials, workload identity). */
  serviceAccount?: string;
}

/** Where in kact.config.yaml a runner class setting is: map keys and list indexes. */
export type SettingPath = Array<string | number>;

const ROOT: SettingPath = ['containers', 'runnerClasses'];

/** `containers.runnerClasses.gpu.tolerations[0].effect` */
export function formatSettingPath(path: SettingPath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/**
 * A bad runner class: one line naming the setting, and `path`, where it is in the YAML document,
 * so the caller can point at its line (`InputError.at(err.problem, locationOf(err.path))`).
 */
export class RunnerClassError extends InputError {
  constructor(
    readonly path: SettingPath,
    readonly problem: string,
  ) {
    super([{ message: `${formatSettingPath(path)}: ${problem}` }]);
    this.name = 'RunnerClassError';
  }
}

const CLASS_FIELDS = ['image', 'nodeSelector', 'tolerations', 'resources', 'runtimeClassName', 'serviceAccount'] as const;
const TOLERATION_FIELDS = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'] as const;
const OPERATORS = ['Exists', 'Equal'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** A Kubernetes quantity: a decimal number with a binary (Ki…Ei), decimal (n, u, m, k, M…E) or exponent suffix. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Checks `containers.runnerClasses` of kact.config.yaml and returns it typed: a map of label →
 * class; `image` required; nodeSelector a map of strings; tolerations a list of Kubernetes
 * tolerations; resources.requests / resources.limits maps of quantities (numbers become strings);
 * runtimeClassName and serviceAccount strings; nothing else. Labels match case-insensitively, so
 * two that differ only in case are refused. Throws a RunnerClassError for the first problem.
 */
export function parseRunnerClasses(raw: unknown): Record<string, RunnerClass> {
  if (!isMap(raw)) throw new RunnerClassError(ROOT, 'expected a map of runner classes (label: { image, nodeSelector, … })');
  const classes: Record<string, RunnerClass> = {};
  const seen = new Map<string, string>();
  for (const [label, value] of Object.entries(raw)) {
    const path = [...ROOT, label];
    if (label.trim() === '') throw new RunnerClassError(path, 'a runner class needs a label');
    const other = seen.get(label.toLowerCase());
    if (other !== undefined) throw new RunnerClassError(path, `same label as ${other} (labels match case-insensitively)`);
    seen.set(label.toLowerCase(), label);
    classes[label] = parseClass(value, path);
  }
  return classes;
}

function parseClass(raw: unknown, path: SettingPath): RunnerClass {
  if (!isMap(raw)) throw new RunnerClassError(path, `expected a map with image (and ${CLASS_FIELDS.slice(1).join(', ')})`);
  checkKeys(raw, CLASS_FIELDS, path);
  if (raw['image'] === undefined || raw['image'] === null) throw new RunnerClassError([...path, 'image'], 'required: the image of the job container');
  const result: RunnerClass = { image: nonEmptyString(raw['image'], [...path, 'image']) };
  if (raw['nodeSelector'] !== undefined) result.nodeSelector = stringMap(raw['nodeSelector'], [...path, 'nodeSelector']);
  if (raw['tolerations'] !== undefined) result.tolerations = tolerations(raw['tolerations'], [...path, 'tolerations']);
  if (raw['resources'] !== undefined) result.resources = resources(raw['resources'], [...path, 'resources']);
  if (raw['runtimeClassName'] !== undefined) result.runtimeClassName = nonEmptyString(raw['runtimeClassName'], [...path, 'runtimeClassName']);
  if (raw['serviceAccount'] !== undefined) result.serviceAccount = nonEmptyString(raw['serviceAccount'], [...path, 'serviceAccount']);
  return result;
}

function stringMap(raw: unknown, path: SettingPath): Record<string, string> {
  if (!isMap(raw)) throw new RunnerClassError(path, 'expected a map of strings');
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') map[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') throw new RunnerClassError([...path, key], `expected a string (quote it: "${String(value)}")`);
    else throw new RunnerClassError([...path, key], 'expected a string');
  }
  return map;
}

function tolerations(raw: unknown, path: SettingPath): RunnerToleration[] {
  if (!Array.isArray(raw)) throw new RunnerClassError(path, 'expected a list of tolerations ({ key, operator, value, effect, tolerationSeconds })');
  return raw.map((item: unknown, index) => {
    const at = [...path, index];
    if (!isMap(item)) throw new RunnerClassError(at, 'expected a toleration ({ key, operator, value, effect, tolerationSeconds })');
    checkKeys(item, TOLERATION_FIELDS, at);
    const t: RunnerToleration = {};
    if (item['key'] !== undefined) t.key = string(item['key'], [...at, 'key']);
    if (item['operator'] !== undefined) t.operator = oneOf(item['operator'], OPERATORS, [...at, 'operator']) as RunnerToleration['operator'];
    if (item['value'] !== undefined) {
      if (typeof item['value'] === 'number' || typeof item['value'] === 'boolean') throw new RunnerClassError([...at, 'value'], `expected a string (quote it: "${String(item['value'])}")`);
      t.value = string(item['value'], [...at, 'value']);
    }
    if (item['effect'] !== undefined) t.effect = oneOf(item['effect'], EFFECTS, [...at, 'effect']) as RunnerToleration['effect'];
    if (item['tolerationSeconds'] !== undefined) {
      const seconds = item['tolerationSeconds'];
      if (typeof seconds !== 'number' || !Number.isInteger(seconds)) throw new RunnerClassError([...at, 'tolerationSeconds'], 'expected a whole number of seconds');
      if (t.effect !== 'NoExecute') throw new RunnerClassError([...at, 'tolerationSeconds'], 'only applies with effect: NoExecute');
      t.tolerationSeconds = seconds;
    }
    // Kubernetes' own rules, caught here rather than when the first pod is created.
    if (t.operator === 'Exists' && t.value) throw new RunnerClassError([...at, 'value'], 'must be empty with operator: Exists');
    if (!t.key && t.operator !== 'Exists') throw new RunnerClassError(at, 'a toleration without a key needs operator: Exists');
    return t;
  });
}

function resources(raw: unknown, path: SettingPath): NonNullable<RunnerClass['resources']> {
  if (!isMap(raw)) throw new RunnerClassError(path, 'expected a map with requests and/or limits');
  checkKeys(raw, ['requests', 'limits'], path);
  const result: NonNullable<RunnerClass['resources']> = {};
  for (const kind of ['requests', 'limits'] as const) {
    const value = raw[kind];
    if (value === undefined) continue;
    const at = [...path, kind];
    if (!isMap(value)) throw new RunnerClassError(at, 'expected a map of quantities');
    const quantities: Record<string, string> = {};
    for (const [resource, amount] of Object.entries(value)) {
      const text = typeof amount === 'number' && Number.isFinite(amount) ? String(amount) : typeof amount === 'string' ? amount.trim() : undefined;
      if (text === undefined) throw new RunnerClassError([...at, resource], 'expected a quantity (a number, or a string like 500m or 4Gi)');
      if (!QUANTITY.test(text)) throw new RunnerClassError([...at, resource], `'${text}' is not a Kubernetes quantity (like 500m, 2, 512Mi or 4Gi)`);
      quantities[resource] = text;
    }
    result[kind] = quantities;
  }
  return result;
}

function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], path: SettingPath): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw new RunnerClassError([...path, key], `unknown setting (expected ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]})`);
  }
}

function string(raw: unknown, path: SettingPath): string {
  if (typeof raw !== 'string') throw new RunnerClassError(path, 'expected a string');
  return raw;
}

function nonEmptyString(raw: unknown, path: SettingPath): string {
  const value = string(raw, path).trim();
  if (value === '') throw new RunnerClassError(path, 'expected a non-empty string');
  return value;
}

function oneOf(raw: unknown, values: string[], path: SettingPath): string {
  if (typeof raw !== 'string' || !values.includes(raw)) throw new RunnerClassError(path, `expected ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`);
  return raw;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `-P label=image` over the classes: sets the image of that label's class (matched
 * case-insensitively), or adds a class with only that image. A later flag wins.
 */
export function applyPlatformFlags(classes: Record<string, RunnerClass>, flags: string[]): Record<string, RunnerClass> {
  const result: Record<string, RunnerClass> = { ...classes };
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const label = flag.slice(0, eq).trim();
    const image = flag.slice(eq + 1).trim();
    if (eq <= 0 || !label || !image) throw InputError.at(`-P expects label=image, got '${flag}'`);
    const existing = Object.keys(result).find((l) => l.toLowerCase() === label.toLowerCase());
    if (existing !== undefined) result[existing] = { ...result[existing]!, image };
    else result[label] = { image };
  }
  return result;
}

/**
 * ContainerSelection by runner class: how platform teams describe runner pods. A leg's `runs-on`
 * labels are looked up in the order written, case-insensitively, and the first label that names
 * a class gives the image and the placement (nodeSelector, tolerations, the main container's
 * resources, runtimeClassName, service account). GitHub picks a runner that has *all* the
 * labels; a local interpreter has no runners to match them against, so one label decides:
 * list the most specific first (`runs-on: [gpu, self-hosted]`). A leg with no known label is
 * skipped with the hint. `-P label=image` still applies on top (see applyPlatformFlags); act's
 * default platform map does not: every label that should run needs a class (or a -P).
 */
export class RunnerClassContainers implements ContainerSelection {
  readonly name = 'runner-classes';
  readonly hint = 'add a runner class for one of its labels under containers.runnerClasses in kact.config.yaml (or -P label=image)';
  private readonly selections: Map<string, RunnerSelection>;

  constructor(classes: Record<string, RunnerClass>, platformFlags: string[] = []) {
    const checked = applyPlatformFlags(parseRunnerClasses(classes), platformFlags);
    this.selections = new Map(Object.entries(checked).map(([label, c]) => [label.toLowerCase(), selectionOf(c)]));
  }

  select(labels: string[]): RunnerSelection | undefined {
    for (const label of labels) {
      const selection = this.selections.get(label.trim().toLowerCase());
      if (selection) return structuredClone(selection);
    }
    return undefined;
  }
}

function selectionOf(c: RunnerClass): RunnerSelection {
  const placement: PodPlacement = {
    ...(c.nodeSelector && Object.keys(c.nodeSelector).length ? { nodeSelector: c.nodeSelector } : {}),
    ...(c.tolerations?.length ? { tolerations: c.tolerations } : {}),
    ...(c.resources && (c.resources.requests || c.resources.limits) ? { resources: c.resources } : {}),
    ...(c.runtimeClassName ? { runtimeClassName: c.runtimeClassName } : {}),
    ...(c.serviceAccount ? { serviceAccountName: c.serviceAccount } : {}),
  };
  return { image: c.image, ...(Object.keys(placement).length ? { placement } : {}) };
}
