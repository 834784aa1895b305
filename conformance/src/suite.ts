import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { join } from 'node:path';
import type { RunResult } from '@kact/core';
import { loadCases, REPO_ROOT, type CaseFilter, type ConformanceCase } from './cases.js';
import { prepareCaseRepo } from './case-repo.js';
import type { Cluster } from './cluster-providers/cluster-provider.js';
import { compareRun } from './compare.js';
import { runKact } from './kact-process.js';
import { findLeftovers, runIdFromOutput } from './leftovers.js';
import { mapLimited } from './pool.js';
import type { Variant } from './variants.js';

export type CaseStatus = 'pass' | 'fail' | 'n/a';

export interface CaseResult {
  case: string;
  /** The variant (column) it ran under: a strategy name, or a module such as `env:inline`. */
  variant: string;
  status: CaseStatus;
  /** The step strategy the run reported (`--json`'s `strategy`, e.g. `exec`, `timed(exec)` with a decorator plugin). */
  strategy?: string;
  /** For fail: every mismatch, one line each; for n/a: the reason. */
  problems: string[];
  durationMs: number;
  exit?: number | null;
  /** The console output of the run (kept for failures). */
  output?: string;
  /** The temp folder of a failed run, kept for a look. */
  kept?: string;
}

export interface ConformanceOptions {
  /** What to run every case under: strategies and modules (see variants.ts). */
  variants: Variant[];
  cluster: Cluster;
  filter?: CaseFilter;
  /** Cases running at once (default 2). */
  concurrency?: number;
  /** Folder of cases (default: this package's workflows/). */
  casesDir?: string;
  /** kact's bin script (default: packages/cli/bin/kact.js of this repository). */
  kactBin?: string;
  /** Keep the temp folder of failed cases (default true). */
  keepFailures?: boolean;
  onResult?: (result: CaseResult) => void;
}

function substitute(args: string[], values: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole));
}

/** Why a case does not apply to a variant (`not-applicable`, or `variants:` naming others), if so. */
export function notApplicable(c: ConformanceCase, variant: Variant): string | undefined {
  const said = c.expect.notApplicable[variant.name] ?? c.expect.notApplicable[variant.strategy];
  if (said !== undefined) return said;
  if (c.expect.variants && !c.expect.variants.includes(variant.name)) return `runs only under ${c.expect.variants.join(', ')}`;
  return undefined;
}

/** Runs one case under one variant through the public CLI and judges it. */
export async function runCase(c: ConformanceCase, variant: Variant, options: ConformanceOptions): Promise<CaseResult> {
  const started = Date.now();
  const na = notApplicable(c, variant);
  if (na !== undefined) return { case: c.name, variant: variant.name, status: 'n/a', problems: [na], durationMs: 0 };
  const repo = await prepareCaseRepo(c.dir, c.name, c.expect.files, c.expect.remoteActions);
  const { cluster } = options;
  const config = variant.config ? join(repo.root, 'kact.config.yaml') : undefined;
  if (config) await writeFile(config, stringify(variant.config));
  const args = [
    'run',
    '-C', repo.repo,
    '--json', repo.resultFile,
    '--kubeconfig', cluster.kubeconfig,
    ...(cluster.context ? ['--context', cluster.context] : []),
    ...(cluster.namespace ? ['--namespace', cluster.namespace] : []),
    '--strategy', variant.strategy,
    ...(config ? ['--config', config] : []),
    ...(variant.plugins ?? []).flatMap((p) => ['--plugin', p]),
    '--action-cache-path', repo.actionCache,
    // Each case its own artifacts and cache, in its temp folder: nothing of a case reaches the user's.
    '--artifact-server-path', join(repo.root, 'artifacts'),
    '--cache-server-path', join(repo.root, 'cache'),
    ...(c.expect.event ? ['--event', c.expect.event] : []),
    ...substitute(c.expect.args, { actionsUrl: repo.actionsUrl, caseDir: repo.repo }),
  ];
  const problems: string[] = [];
  let exit: number | null = null;
  let output = '';
  let strategy: string | undefined;
  try {
    const ran = await runKact({
      bin: options.kactBin ?? join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js'),
      args,
      cwd: repo.repo,
      timeoutMs: c.expect.timeout * 1000,
      ...(c.expect.cancelAfter ? { interruptAfter: c.expect.cancelAfter } : {}),
    });
    exit = ran.exit;
    output = ran.output;
    let result: RunResult | undefined;
    try {
      result = JSON.parse(await readFile(repo.resultFile, 'utf8')) as RunResult;
    } catch {
      result = undefined;
    }
    strategy = result?.strategy;
    if (c.expect.cancelAfter && !ran.interrupted) problems.push(`never saw ${JSON.stringify(c.expect.cancelAfter)} in the output, so no SIGINT was sent`);
    problems.push(...compareRun(c.expect, { exit: ran.exit, signal: ran.signal, output: ran.output, timedOut: ran.timedOut, ...(result ? { result } : {}) }));
    const runId = result?.runId ?? runIdFromOutput(output);
    if (runId) {
      const left = await findLeftovers(cluster, runId);
      if (left.length) problems.push(`left behind after the run: ${left.join(', ')}`);
    }
  } catch (err) {
    problems.push(`could not run the case: ${(err as Error).message}`);
  }
  const failed = problems.length > 0;
  const keep = failed && options.keepFailures !== false;
  if (!keep) await repo.remove();
  return {
    case: c.name,
    variant: variant.name,
    status: failed ? 'fail' : 'pass',
    ...(strategy ? { strategy } : {}),
    problems,
    durationMs: Date.now() - started,
    exit,
    ...(failed ? { output } : {}),
    ...(keep ? { kept: repo.root } : {}),
  };
}

/**
 * The conformance suite as a library: every case (or those `filter` picks) under every variant
 * on `cluster`, `concurrency` at a time, each variant's cluster setup (claims, a Secret) made
 * before and undone after. Never throws for a failing case.
 */
export async function runConformance(options: ConformanceOptions): Promise<CaseResult[]> {
  const cases = await loadCases(options.casesDir, options.filter);
  const undo: Array<() => Promise<void>> = [];
  try {
    for (const variant of options.variants) if (variant.prepare) undo.push(await variant.prepare(options.cluster));
    const work = cases.flatMap((c) => options.variants.map((variant) => ({ c, variant })));
    return await mapLimited(work, options.concurrency ?? 2, async ({ c, variant }) => {
      const result = await runCase(c, variant, options);
      options.onResult?.(result);
      return result;
    });
  } finally {
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.warn(`conformance: undoing a variant's setup: ${(err as Error).message}`));
  }
}
