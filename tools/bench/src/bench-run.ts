import { cpus, loadavg } from 'node:os';
import { ActionStore, Cancellation, newRunId, runPlan, type JobBackend, type StepStrategy } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { measureBarePodStarts } from './bare-pod.js';
import { BASELINES, type BaselineName, type BaselineResult, type BaselineSamples } from './baselines.js';
import { measureCliStart, type CliSample, type CliStartSettings } from './cli-start.js';
import type { Settled } from './node-settle.js';
import { createKactRunRepos, repositoryKact, runKactProcess, type KactProcess, type KactRunRepos } from './kact-run.js';
import type { PeakRssWatch } from './peak-rss.js';
import { measureRawExec } from './raw-exec.js';
import { failureOf } from './run-failure.js';
import { createScenarioRepo, type ScenarioRepo } from './scenario-repo.js';
import { needsCluster, SCENARIOS, type ClusterScenarioName, type KactRunScenario, type PlanScenario, type Scenario, type ScenarioName } from './scenarios.js';
import { SilentEvents, type LogCheck } from './silent-events.js';
import { percentile, round2 } from './statistics.js';
import { LOG_SHAPE, SIZES } from './workflows.js';

/** A step strategy ready to run jobs: what the composition root built for its name. */
export interface StrategyTarget {
  name: string;
  backend: JobBackend;
  strategy: StepStrategy;
  connection: KubeConnection;
}

/** A strategy asked for that could not be set up; the bench goes on without it. */
export interface UnavailableStrategy {
  name: string;
  reason: string;
}

export interface BenchOptions {
  targets: StrategyTarget[];
  unavailable?: UnavailableStrategy[];
  scenarios: ScenarioName[];
  repeat: number;
  /** `--concurrent-jobs` for the runs (matrix scenarios). */
  concurrentJobs: number;
  /** What the `cli` scenario spawns; required when `scenarios` has it. */
  cli?: CliStartSettings;
  /**
   * Why the cluster scenarios among `scenarios` cannot run (no cluster answered): they are
   * recorded as skipped with this reason, and only `cli` runs.
   */
  clusterSkipped?: string;
  /** Raw `exec true` round-trips per repetition (the overhead baseline). */
  rawExecCount?: number;
  /** How the baseline is measured (tests replace the cluster's exec). */
  rawExec?: typeof measureRawExec;
  /** Bare pods started before each strategy's job-start run (default: as many as its legs). */
  barePodCount?: number;
  /** How bare pods are started (tests replace the cluster). */
  barePod?: typeof measureBarePodStarts;
  /**
   * The kact the `kact-run` scenarios spawn (default: `cli`'s, else this repository's on the first
   * strategy's context and namespace; see kact-run.ts).
   */
  kact?: KactProcess;
  /** How a spawned `kact run`'s peak RSS is watched (tests replace /proc; default: watchPeakRss). */
  watchPeakRss?: (pid: number) => PeakRssWatch;
  /**
   * Waits before each run and baseline until the nodes have let go of earlier runs' pods (see
   * node-settle.ts); none: samples follow one another at once.
   */
  settle?: () => Promise<Settled>;
  /** One line per finished run, for a person watching. */
  progress?: (line: string) => void;
  /** Marks a run as live for `kact gc` while it runs; returns the function that forgets it. */
  registerRun?: (runId: string) => () => void;
  cancellation?: Cancellation;
}

/** One scenario run under one strategy. */
export interface RunSample {
  scenario: ClusterScenarioName;
  strategy: string;
  repetition: number;
  /** kact's run id (a spawned `kact run` that wrote no result has none known). */
  runId?: string;
  ok: boolean;
  error?: string;
  wallMs: number;
  /** Metric id → samples (empty when the run failed). */
  values: Record<string, number[]>;
  log?: LogCheck;
}

/** Everything a bench measured: the JSON file, and what the table and chart are drawn from. */
export interface BenchResults {
  kind: 'kact-bench';
  version: 1;
  startedAt: string;
  finishedAt: string;
  host: { cpus: number; node: string; loadavgBefore: number[]; loadavgAfter: number[] };
  cluster?: { server: string; context: string; namespace: string };
  repeat: number;
  concurrentJobs: number;
  strategies: string[];
  unavailable: UnavailableStrategy[];
  scenarios: ScenarioName[];
  /** The `raw-exec` baseline (steps); `barePod` the `bare-pod` one (job-start), see baselines.ts. */
  rawExec: BaselineSamples[];
  barePod?: BaselineSamples[];
  runs: RunSample[];
  /** What the `kact-run` scenarios spawned, when they ran. */
  kact?: KactProcess;
  /** The `cli` scenario's spawns, when it ran. */
  cli?: { kactBin: string; repo: string; spawnsPerRepetition: number; samples: CliSample[] };
  /** Cluster scenarios asked for and not run, and why. */
  skipped?: { scenarios: ScenarioName[]; reason: string };
  /** How long the samples waited for the nodes to let go of earlier pods (with `settle`), and when they started anyway. */
  settling?: { waits: number; longestMs: number; gaveUp: string[] };
  cancelled: boolean;
}

async function runPlanScenario(target: StrategyTarget, repo: ScenarioRepo, scenario: PlanScenario, repetition: number, options: BenchOptions): Promise<RunSample> {
  const name = scenario.name;
  const runId = newRunId();
  const events = new SilentEvents(LOG_SHAPE.width);
  const actions = new ActionStore({ repoRoot: repo.root, actionsUrl: 'https://github.com', cacheDir: `${repo.root}/.actions`, offline: true });
  const forget = options.registerRun?.(runId) ?? (() => undefined);
  const { cancellation: runCancellation, unlink } = linkedCancellation(options.cancellation);
  const started = performance.now();
  const sample: RunSample = { scenario: name, strategy: target.name, repetition, runId, ok: false, wallMs: 0, values: {} };
  try {
    const result = await runPlan(
      repo.plans.get(name)!,
      { backend: target.backend, strategy: target.strategy, actions, events },
      {
        runId,
        repoRoot: repo.root,
        debug: false,
        actCompat: false,
        contexts: repo.contexts,
        secrets: {},
        jobSecrets: {},
        event: 'push',
        concurrentJobs: scenario.concurrentJobs ?? options.concurrentJobs,
        containers: repo.containers,
        matrixFilter: {},
      },
      runCancellation,
    );
    sample.wallMs = round2(performance.now() - started);
    const measured = scenario.measure({ result, events });
    if (measured.log) sample.log = measured.log;
    if (result.result === 'success') {
      sample.ok = true;
      sample.values = Object.fromEntries(Object.entries(measured.values).map(([id, values]) => [id, values.map(round2)]));
    } else sample.error = failureOf(result, events.messages);
  } catch (err) {
    sample.wallMs = round2(performance.now() - started);
    sample.error = err instanceof Error ? err.message : String(err);
  } finally {
    unlink();
    forget();
  }
  return sample;
}

/**
 * A run's own cancellation, following the bench's (first request cancels, second forces) only
 * while the run lasts: `Cancellation.child()` would leave two listeners per run on the bench's
 * signals.
 */
function linkedCancellation(parent: Cancellation | undefined): { cancellation: Cancellation; unlink: () => void } {
  const cancellation = new Cancellation();
  if (!parent) return { cancellation, unlink: () => undefined };
  const onCancel = () => void cancellation.request();
  const onForce = () => {
    if (!cancellation.cancelled) cancellation.request();
    cancellation.request();
  };
  if (parent.forceSignal.aborted) onForce();
  else if (parent.cancelled) onCancel();
  parent.signal.addEventListener('abort', onCancel, { once: true });
  parent.forceSignal.addEventListener('abort', onForce, { once: true });
  return {
    cancellation,
    unlink: () => {
      parent.signal.removeEventListener('abort', onCancel);
      parent.forceSignal.removeEventListener('abort', onForce);
    },
  };
}

function describeSample(s: RunSample, repeat: number): string {
  const head = `[${s.repetition}/${repeat}] ${s.scenario} ${s.strategy}: ${(s.wallMs / 1000).toFixed(1)} s`;
  if (!s.ok) return `${head}, FAILED: ${s.error}`;
  const log = s.log ? (s.log.ok ? ', log bytes ok' : `, LOG MISMATCH: ${s.log.deliveredBytes} of ${s.log.printedBytes} bytes delivered`) : '';
  return `${head}${log}`;
}

/** `[2/3] cli: kact --help p50 95 ms, …`: a repetition's medians, for a person watching. */
function describeCli(samples: CliSample[], repetition: number, repeat: number): string {
  const byMetric = new Map<string, number[]>();
  for (const s of samples.filter((s) => s.ok)) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s.wallMs]);
  const medians = [...byMetric].map(([metric, values]) => `${metric.replace(/^cli\./, '')} ${Math.round(percentile(values, 50))} ms`);
  const failed = samples.filter((s) => !s.ok);
  const failures = failed.length ? `, ${failed.length} FAILED: ${failed[0]!.error}` : '';
  return `[${repetition}/${repeat}] cli: ${samples.length} spawns, median ${medians.join(', ') || '—'}${failures}`;
}

/** How each baseline is measured: with the strategy's backend (a kact job pod) or bare on its cluster. */
const MEASURE_BASELINE: Record<BaselineName, (target: StrategyTarget, run: { runId: string; signal: AbortSignal }, options: BenchOptions) => Promise<BaselineResult>> = {
  'raw-exec': (target, run, options) => (options.rawExec ?? measureRawExec)(target.backend, target.connection, { ...run, count: options.rawExecCount ?? 200 }),
  'bare-pod': (target, run, options) => (options.barePod ?? measureBarePodStarts)(target.connection, { ...run, count: options.barePodCount ?? SIZES.jobStarts }),
};

/**
 * One measurement of a baseline, registered as a run of its own while it lasts (so `kact gc`
 * leaves its pods alone, and removes them should the bench die). A failure is recorded, never thrown.
 */
async function measureBaseline(name: BaselineName, target: StrategyTarget, repetition: number, before: string | undefined, options: BenchOptions, signal: AbortSignal): Promise<BaselineSamples> {
  const runId = newRunId();
  const forget = options.registerRun?.(runId) ?? (() => undefined);
  const head = { repetition, runId, ...(before ? { before } : {}) };
  try {
    const measured = await MEASURE_BASELINE[name](target, { runId, signal }, options);
    return { ...head, samples: measured.samples.map(round2), failures: measured.failures };
  } catch (err) {
    return { ...head, samples: [], failures: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    forget();
  }
}

/** `[1/3] bare pod before exec: 5 pod starts, p50 1234 ms`: a baseline's measurement, for a person watching. */
function describeBaseline(name: BaselineName, measured: BaselineSamples, repeat: number): string {
  const info = BASELINES[name];
  const head = `[${measured.repetition}/${repeat}] ${info.name}${measured.before ? ` before ${measured.before}` : ''}`;
  if (measured.error) return `${head} FAILED: ${measured.error}`;
  const p50 = measured.samples.length ? `, p50 ${Math.round(percentile(measured.samples, 50))} ms` : '';
  const failed = measured.failures.length ? `, ${measured.failures.length} failed (${measured.failures[0]})` : '';
  return `${head}: ${measured.samples.length} ${info.samples}${p50}${failed}`;
}

/** The kact the `kact-run` scenarios spawn: the one given, else `cli`'s (the user's cluster flags with it), else this repository's. */
function kactToSpawn(options: BenchOptions, connection: KubeConnection): KactProcess {
  if (options.kact) return options.kact;
  if (options.cli) return { kactBin: options.cli.kactBin, repo: options.cli.repo, runArgs: options.cli.runArgs ?? [] };
  return repositoryKact(connection);
}

/**
 * Runs every scenario under every strategy, interleaved (each scenario under each strategy in
 * turn, then the next scenario) and repeated, with the `cli` scenario (no cluster) at the start
 * of each repetition and each scenario's baseline beside its runs. A failed run is a sample with
 * its error; it never stops the bench.
 */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const loadavgBefore = loadavg().map(round2);
  const say = options.progress ?? (() => undefined);
  const cancellation = options.cancellation ?? new Cancellation();
  const baselines: Record<BaselineName, BaselineSamples[]> = { 'raw-exec': [], 'bare-pod': [] };
  const results: BenchResults = {
    kind: 'kact-bench',
    version: 1,
    startedAt,
    finishedAt: startedAt,
    host: { cpus: cpus().length, node: process.version, loadavgBefore, loadavgAfter: loadavgBefore },
    repeat: options.repeat,
    concurrentJobs: options.concurrentJobs,
    strategies: options.targets.map((t) => t.name),
    unavailable: options.unavailable ?? [],
    scenarios: options.scenarios,
    rawExec: baselines['raw-exec'],
    barePod: baselines['bare-pod'],
    runs: [],
    cancelled: false,
  };
  const cli = options.scenarios.includes('cli') ? options.cli : undefined;
  if (options.scenarios.includes('cli') && !cli) throw new Error('runBench: the cli scenario needs options.cli (the kact bin and the repository to read)');
  if (cli) results.cli = { kactBin: cli.kactBin, repo: cli.repo, spawnsPerRepetition: cli.spawns ?? SIZES.cliSpawns, samples: [] };
  const wanted = options.scenarios.filter(needsCluster);
  if (options.clusterSkipped && wanted.length > 0) results.skipped = { scenarios: wanted, reason: options.clusterSkipped };
  const clusterScenarios = options.clusterSkipped ? [] : wanted;
  const first = options.targets[0];
  if (first && !options.clusterSkipped) results.cluster = { server: first.connection.server, context: first.connection.context, namespace: first.connection.namespace };
  if (!cli && (!first || clusterScenarios.length === 0)) return results;

  const scenarios: Scenario[] = first ? clusterScenarios.map((name) => SCENARIOS[name]) : [];
  const spawned = scenarios.filter((s): s is KactRunScenario => s.kind === 'kact-run');
  const kact = spawned.length > 0 && first ? kactToSpawn(options, first.connection) : undefined;
  if (kact) results.kact = kact;
  let repo: ScenarioRepo | undefined;
  let kactRepos: KactRunRepos | undefined;
  const settle = async () => {
    if (!options.settle) return;
    const settled = await options.settle();
    const settling = (results.settling ??= { waits: 0, longestMs: 0, gaveUp: [] });
    settling.waits++;
    if ('gaveUp' in settled) {
      settling.gaveUp.push(settled.gaveUp);
      say(`the next sample starts anyway: ${settled.gaveUp}`);
    } else settling.longestMs = Math.max(settling.longestMs, round2(settled.waitedMs));
  };
  const runOne = async (scenario: Scenario, target: StrategyTarget, repetition: number): Promise<RunSample> => {
    await settle();
    return scenario.kind === 'plan'
      ? runPlanScenario(target, repo!, scenario, repetition, options)
      : runKactProcess(kact!, scenario, kactRepos!, { strategy: target.name, repetition, concurrentJobs: options.concurrentJobs, watchPeakRss: options.watchPeakRss });
  };
  const recordBaseline = async (name: BaselineName, target: StrategyTarget, repetition: number, before?: string) => {
    await settle();
    const measured = await measureBaseline(name, target, repetition, before, options, cancellation.signal);
    baselines[name].push(measured);
    say(describeBaseline(name, measured, options.repeat));
  };
  try {
    if (scenarios.some((s) => s.kind === 'plan')) repo = await createScenarioRepo(clusterScenarios);
    if (kact) kactRepos = await createKactRunRepos(spawned, kact.repo);
    for (let repetition = 1; repetition <= options.repeat && !cancellation.cancelled; repetition++) {
      // First, while no pod of the bench runs: kact's own start, spawned on this machine.
      if (cli) {
        const samples = await measureCliStart(cli, repetition, () => cancellation.cancelled);
        results.cli!.samples.push(...samples);
        say(describeCli(samples, repetition, options.repeat));
      }
      for (const scenario of scenarios) {
        const baseline = scenario.baseline;
        if (baseline?.before === 'scenario' && !cancellation.cancelled) await recordBaseline(baseline.name, first!, repetition);
        for (const target of options.targets) {
          if (baseline?.before === 'each-run' && !cancellation.cancelled) await recordBaseline(baseline.name, target, repetition, target.name);
          if (cancellation.cancelled) break;
          const sample = await runOne(scenario, target, repetition);
          results.runs.push(sample);
          say(describeSample(sample, options.repeat));
        }
      }
    }
  } finally {
    await Promise.all([repo?.remove(), kactRepos?.remove()]);
  }
  results.cancelled = cancellation.cancelled;
  results.finishedAt = new Date().toISOString();
  results.host.loadavgAfter = loadavg().map(round2);
  return results;
}
