import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunResult } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import type { RunSample } from './bench-run.js';
import { timeProcess, type CliStartSettings } from './cli-start.js';
import { watchPeakRss, type PeakRss, type PeakRssWatch } from './peak-rss.js';
import { failureOf } from './run-failure.js';
import type { ClusterScenarioName, KactRunMeasure, KactRunScenario } from './scenarios.js';
import { round2 } from './statistics.js';

/** How to spawn kact: its bin, kact's examples/hello, and the bench's cluster flags for `kact run`. */
export type KactProcess = Pick<CliStartSettings, 'kactBin' | 'repo' | 'runArgs'>;

/**
 * The kact and examples/hello of the repository the bench is part of (from tools/bench/dist or
 * src), on the connection's context and namespace. The kubeconfig is the one in the environment:
 * a bench given --kubeconfig should say so through `KactProcess.runArgs`.
 */
export function repositoryKact(connection: Pick<KubeConnection, 'context' | 'namespace'>): KactProcess {
  const root = new URL('../../../', import.meta.url);
  return {
    kactBin: fileURLToPath(new URL('packages/cli/bin/kact.js', root)),
    repo: fileURLToPath(new URL('examples/hello', root)),
    runArgs: ['--context', connection.context, '--namespace', connection.namespace],
  };
}

/** The `kact-run` scenarios' repositories, each a git repository of its own, and a folder for their `--json` results. */
export interface KactRunRepos {
  dirs: Map<ClusterScenarioName, string>;
  resultsDir: string;
  remove(): Promise<void>;
}

const run = promisify(execFile);

/** One commit on `main`: what kact reads for the github context, and what examples/hello's deploy job needs to run. */
async function commitAll(dir: string): Promise<void> {
  const git = (...args: string[]) => run('git', ['-c', 'user.name=kact bench', '-c', 'user.email=bench@kact.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'kact bench');
}

/** Copies examples/hello or writes the generated workflow for each scenario, into a temp folder. */
export async function createKactRunRepos(scenarios: readonly KactRunScenario[], exampleRepo: string): Promise<KactRunRepos> {
  const root = await mkdtemp(join(tmpdir(), 'kact-bench-run-'));
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    const dirs = new Map<ClusterScenarioName, string>();
    for (const scenario of scenarios) {
      const dir = join(root, scenario.name);
      if ('example' in scenario.repo) {
        if (!existsSync(join(exampleRepo, '.github', 'workflows'))) throw new Error(`${scenario.name}: copies kact's examples/hello, which is not here (looked for ${exampleRepo})`);
        await cp(exampleRepo, dir, { recursive: true });
      } else {
        await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
        await writeFile(join(dir, '.github', 'workflows', `${scenario.name}.yml`), scenario.repo.workflow());
      }
      await commitAll(dir);
      dirs.set(scenario.name, dir);
    }
    const resultsDir = join(root, 'results');
    await mkdir(resultsDir);
    return { dirs, resultsDir, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

async function readRunResult(file: string): Promise<RunResult | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunResult;
  } catch {
    return undefined;
  }
}

/** Why a run that exited 0 still does not count: fewer successful jobs than the repository has. */
function ranShort(result: RunResult, jobs: number): string | undefined {
  const succeeded = result.jobs.filter((j) => j.result === 'success').length;
  if (succeeded >= jobs) return undefined;
  return `${succeeded} of ${jobs} jobs succeeded (${result.jobs.map((j) => `${j.name}: ${j.result}`).join(', ') || 'none ran'})`;
}

export interface KactRunOptions {
  strategy: string;
  repetition: number;
  concurrentJobs: number;
  /** How a `peak-rss` scenario's process is watched (tests replace /proc). */
  watchPeakRss?: (pid: number) => PeakRssWatch;
}

/** The scenario's one figure of the process that exited, or why there is none. */
function figureOf(measure: KactRunMeasure, wallMs: number, peak: PeakRss | undefined): { value: number } | { error: string } {
  if (measure === 'wall') return { value: wallMs / 1000 };
  if (!peak) return { error: 'peak RSS: the process was not watched' };
  return 'error' in peak ? { error: `peak RSS: ${peak.error}` } : { value: peak.peakMiB };
}

/**
 * One `kact run` of the scenario's repository as a user runs it, spawned (stdout discarded) and
 * measured as the scenario says, from spawn to exit. Its `--json` result says which run it was
 * and, when it failed, why.
 */
export async function runKactProcess(kact: KactProcess, scenario: KactRunScenario, repos: KactRunRepos, options: KactRunOptions): Promise<RunSample> {
  const { strategy, repetition } = options;
  const json = join(repos.resultsDir, `${scenario.name}-${strategy}-${repetition}.json`);
  const args = ['run', '-C', repos.dirs.get(scenario.name)!, '--strategy', strategy, '--concurrent-jobs', String(options.concurrentJobs), '--json', json, ...(kact.runArgs ?? [])];
  const watch = scenario.measures === 'peak-rss' ? (options.watchPeakRss ?? watchPeakRss) : undefined;
  const { wallMs, error, watched } = await timeProcess(process.execPath, [kact.kactBin, ...args], watch);
  const result = await readRunResult(json);
  const sample: RunSample = { scenario: scenario.name, strategy, repetition, ...(result?.runId ? { runId: result.runId } : {}), ok: false, wallMs: round2(wallMs), values: {} };
  const short = result && ranShort(result, scenario.jobs);
  if (error !== undefined) sample.error = result ? failureOf(result, [error]) : error;
  else if (!result) sample.error = `kact run wrote no result to ${json}`;
  else if (short) sample.error = short;
  else {
    const figure = figureOf(scenario.measures, wallMs, watched);
    if ('error' in figure) sample.error = figure.error;
    else {
      sample.ok = true;
      sample.values = { [scenario.metrics[0].id]: [round2(figure.value)] };
    }
  }
  return sample;
}
