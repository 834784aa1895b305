import { cpus, loadavg } from 'node:os';
import { ActionStore, Cancellation, newRunId, runPlan, type JobBackend, type RunResult, type StepStrategy } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { measureCliStart, type CliSample, type CliStartSettings } from './cli-start.js';
import { measureRawExec } from './raw-exec.js';
import { sampleRss, type RssReading } from './rss-sampler.js';
import { createScenarioRepo, type ScenarioRepo } from './scenario-repo.js';
import { needsCluster, SCENARIOS, type ClusterScenarioName, type ScenarioName } from './scenarios.js';
import { SilentEvents, type LogCheck } from './silent-events.js';
import { percentile } from './statistics.js';
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
  runId: string;
  ok: boolean;
  error?: string;
  wallMs: number;
  /** Metric id → samples (empty when the run failed). */
  values: Record<string, number[]>;
  log?: LogCheck;
  rss?: RssReading;
}

export interface RawExecSamples {
  repetition: number;
  runId: string;
  samples: number[];
  failures: string[];
  error?: string;
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
  rawExec: RawExecSamples[];
  runs: RunSample[];
  /** The `cli` scenario's spawns, when it ran. */
  cli?: { kactBin: string; repo: string; spawnsPerRepetition: number; samples: CliSample[] };
  /** Cluster scenarios asked for and not run, and why. */
  skipped?: { scenarios: ScenarioName[]; reason: string };
  cancelled: boolean;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Why a run did not succeed, in one line: job errors, failed steps, kact's last messages. */
function failureOf(result: RunResult, events: SilentEvents): string {
  const reasons = result.jobs.flatMap((j) => [
    ...(j.error ? [`${j.name}: ${j.error}`] : []),
    ...j.steps.filter((s) => s.conclusion === 'failure').map((s) => `${j.name} / ${s.name}: ${s.error ?? 'failed'}`),
  ]);
  const why = reasons.length > 0 ? reasons : events.messages.slice(-3);
  return `run ${result.result}: ${why.slice(0, 3).join('; ') || 'no reason given'}`;
}

async function runScenario(target: StrategyTarget, repo: ScenarioRepo, name: ClusterScenarioName, repetition: number, options: BenchOptions): Promise<RunSample> {
  const scenario = SCENARIOS[name];
  const runId = newRunId();
  const events = new SilentEvents(LOG_SHAPE.width);
  const actions = new ActionStore({ repoRoot: repo.root, actionsUrl: 'https://github.com', cacheDir: `${repo.root}/.actions`, offline: true });
  const forget = options.registerRun?.(runId) ?? (() => undefined);
  const { cancellation: runCancellation, unlink } = linkedCancellation(options.cancellation);
  const rss = scenario.sampleRss ? sampleRss(100) : undefined;
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
    sample.wallMs = round(performance.now() - started);
    const reading = rss?.stop();
    if (reading) sample.rss = reading;
    const measured = scenario.measure({ result, events, ...(reading ? { rss: reading } : {}) });
    if (measured.log) sample.log = measured.log;
    if (result.result === 'success') {
      sample.ok = true;
      sample.values = Object.fromEntries(Object.entries(measured.values).map(([id, values]) => [id, values.map(round)]));
    } else sample.error = failureOf(result, events);
  } catch (err) {
    rss?.stop();
    sample.wallMs = round(performance.now() - started);
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

/**
 * Runs every scenario under every strategy, interleaved (each scenario under each strategy in
 * turn, then the next scenario) and repeated, with the `cli` scenario (no cluster) and then the
 * raw exec baseline at the start of each repetition. A failed run is a sample with its error; it
 * never stops the bench.
 */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const loadavgBefore = loadavg().map(round);
  const say = options.progress ?? (() => undefined);
  const cancellation = options.cancellation ?? new Cancellation();
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
    rawExec: [],
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

  const repo = first && clusterScenarios.length > 0 ? await createScenarioRepo(clusterScenarios) : undefined;
  try {
    for (let repetition = 1; repetition <= options.repeat && !cancellation.cancelled; repetition++) {
      // First, while no pod of the bench runs: kact's own start, spawned on this machine.
      if (cli) {
        const samples = await measureCliStart(cli, repetition, () => cancellation.cancelled);
        results.cli!.samples.push(...samples);
        say(describeCli(samples, repetition, options.repeat));
      }
      if (!first || !repo) continue;
      if (clusterScenarios.includes('steps')) {
        const runId = newRunId();
        const forget = options.registerRun?.(runId) ?? (() => undefined);
        try {
          const raw = await (options.rawExec ?? measureRawExec)(first.backend, first.connection, { runId, count: options.rawExecCount ?? 200, signal: cancellation.signal });
          results.rawExec.push({ repetition, runId, samples: raw.samples.map(round), failures: raw.failures });
          say(`[${repetition}/${options.repeat}] raw exec: ${raw.samples.length} round-trips${raw.failures.length ? `, ${raw.failures.length} failed` : ''}`);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          results.rawExec.push({ repetition, runId, samples: [], failures: [], error });
          say(`[${repetition}/${options.repeat}] raw exec FAILED: ${error}`);
        } finally {
          forget();
        }
      }
      for (const name of clusterScenarios) {
        for (const target of options.targets) {
          if (cancellation.cancelled) break;
          const sample = await runScenario(target, repo, name, repetition, options);
          results.runs.push(sample);
          say(describeSample(sample, options.repeat));
        }
      }
    }
  } finally {
    await repo?.remove();
  }
  results.cancelled = cancellation.cancelled;
  results.finishedAt = new Date().toISOString();
  results.host.loadavgAfter = loadavg().map(round);
  return results;
}
