import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** A step as a case expects it: found by `id` or `name` (and `stage`, default main). */
export interface ExpectedStep {
  id?: string;
  name?: string;
  stage?: 'pre' | 'main' | 'post';
  outcome?: string;
  conclusion?: string;
  outputs?: Record<string, string>;
  /** Substring of the step's error. */
  error?: string;
  /** Annotations the step must have made (each field given must match). */
  annotations?: { level?: string; message?: string; file?: string; line?: number; title?: string }[];
}

export interface ExpectedJob {
  result?: string;
  outputs?: Record<string, string>;
  /** Substring of the job's error. */
  error?: string;
  steps?: ExpectedStep[];
  /** Step names (or ids) in the order they must have run; other steps may sit between them. */
  order?: string[];
  /** Substring of the job's GITHUB_STEP_SUMMARY markdown. */
  summary?: string;
}

/** A remote action the case serves from a local bare git repository (`--actions-url file://…`). */
export interface RemoteAction {
  /** `owner/repo` as `uses:` names it. */
  repo: string;
  /** Branch or tag the clone serves (`uses: owner/repo@ref`). */
  ref: string;
  /** Folder of the case whose files become the repository's content, or `@stand-in/<name>` for one of the suite's stand-ins for GitHub's actions. */
  from: string;
}

/** What a case expects (`expect.yaml`); see conformance/README.md. */
export interface Expectation {
  description: string;
  event?: string;
  /** Extra `kact run` flags; `{actionsUrl}` and `{caseDir}` are replaced. */
  args: string[];
  exit: number;
  jobs: Record<string, ExpectedJob>;
  /** Jobs (display names) whose run times must not overlap (max-parallel 1). */
  serial?: string[];
  /** Every job must appear in the result exactly as listed (no extra jobs). */
  exactJobs?: boolean;
  logs: { contains: string[]; excludes: string[] };
  /** Variant or strategy → why the case does not apply to it. */
  notApplicable: Record<string, string>;
  /** The only variants the case applies to (a module's own case); undefined: all. */
  variants?: string[];
  /** Files written into the case's repository before the run (e.g. .gitignore'd files). */
  files: Record<string, string>;
  remoteActions: RemoteAction[];
  /** Send SIGINT once the console output contains this text. */
  cancelAfter?: string;
  /** Kill kact if it runs longer (seconds). */
  timeout: number;
}

const TOP_KEYS = new Set(['description', 'event', 'args', 'exit', 'jobs', 'exact-jobs', 'serial', 'logs', 'not-applicable', 'variants', 'files', 'remote-actions', 'cancel-after', 'timeout']);

function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

function stringMap(file: string, where: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(file, `${where} must be a mapping`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function stringList(file: string, where: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(file, `${where} must be a list`);
  return value.map((v) => String(v));
}

/** Reads and checks an `expect.yaml`; throws with the file and the key for anything malformed. */
export async function readExpectation(file: string): Promise<Expectation> {
  let raw: Record<string, unknown> | null;
  try {
    raw = parse(await readFile(file, 'utf8')) as Record<string, unknown> | null;
  } catch (err) {
    fail(file, (err as Error).message.split('\n')[0]!);
  }
  if (!raw || typeof raw !== 'object') fail(file, 'expected a mapping');
  for (const key of Object.keys(raw)) if (!TOP_KEYS.has(key)) fail(file, `unknown key '${key}' (known: ${[...TOP_KEYS].join(', ')})`);
  if (typeof raw.description !== 'string') fail(file, 'description (one line) is required');
  const jobs: Record<string, ExpectedJob> = {};
  for (const [name, job] of Object.entries((raw.jobs as Record<string, unknown> | undefined) ?? {})) {
    const j = (job ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(j)) if (!['result', 'outputs', 'error', 'steps', 'order', 'summary'].includes(key)) fail(file, `jobs.${name}: unknown key '${key}'`);
    const steps = ((j.steps as unknown[] | undefined) ?? []).map((s, i) => {
      const step = s as ExpectedStep & Record<string, unknown>;
      if (step.id === undefined && step.name === undefined) fail(file, `jobs.${name}.steps[${i}] needs an id or a name`);
      return { ...step, ...(step.outputs ? { outputs: stringMap(file, `jobs.${name}.steps[${i}].outputs`, step.outputs) } : {}) };
    });
    jobs[name] = {
      ...(j.result !== undefined ? { result: String(j.result) } : {}),
      ...(j.outputs !== undefined ? { outputs: stringMap(file, `jobs.${name}.outputs`, j.outputs) } : {}),
      ...(j.error !== undefined ? { error: String(j.error) } : {}),
      ...(j.summary !== undefined ? { summary: String(j.summary) } : {}),
      ...(j.order !== undefined ? { order: stringList(file, `jobs.${name}.order`, j.order) } : {}),
      steps,
    };
  }
  const logs = (raw.logs ?? {}) as Record<string, unknown>;
  const remote = ((raw['remote-actions'] as unknown[] | undefined) ?? []).map((r, i) => {
    const a = r as Partial<RemoteAction>;
    if (!a.repo || !a.ref || !a.from) fail(file, `remote-actions[${i}] needs repo, ref and from`);
    return { repo: a.repo, ref: a.ref, from: a.from };
  });
  return {
    description: raw.description,
    ...(raw.event !== undefined ? { event: String(raw.event) } : {}),
    args: stringList(file, 'args', raw.args),
    exit: raw.exit === undefined ? 0 : Number(raw.exit),
    jobs,
    ...(raw.serial !== undefined ? { serial: stringList(file, 'serial', raw.serial) } : {}),
    ...(raw['exact-jobs'] === true ? { exactJobs: true } : {}),
    logs: { contains: stringList(file, 'logs.contains', logs.contains), excludes: stringList(file, 'logs.excludes', logs.excludes) },
    notApplicable: stringMap(file, 'not-applicable', raw['not-applicable']),
    ...(raw.variants !== undefined ? { variants: stringList(file, 'variants', raw.variants) } : {}),
    files: stringMap(file, 'files', raw.files),
    remoteActions: remote,
    ...(raw['cancel-after'] !== undefined ? { cancelAfter: String(raw['cancel-after']) } : {}),
    timeout: raw.timeout === undefined ? 120 : Number(raw.timeout),
  };
}
