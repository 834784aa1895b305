import { BASELINE_NAMES, BASELINES, type BaselineName } from './baselines.js';
import type { BenchResults, RunSample, UnavailableStrategy } from './bench-run.js';
import { CLI_METRICS, type CliSample } from './cli-start.js';
import { metricsOf, type Metric, type ScenarioName, type Stat } from './scenarios.js';
import type { LogCheck } from './silent-events.js';
import { summarize, type Summary } from './statistics.js';

/** One metric under one strategy, over every repetition. */
export interface Cell {
  summary?: Summary;
  /** Runs of the scenario under the strategy, and how many failed (their samples are left out). */
  runs: number;
  failed: number;
}

export interface Row {
  metric: Metric;
  cells: Record<string, Cell>;
}

/** A strategy's figure held to its goal from the issues. */
export interface TargetCheck {
  metric: Metric;
  strategy: string;
  stat: Stat;
  value: number;
  target: number;
  met: boolean;
  /** When the goal is a multiple of another strategy's figure in the same bench: which, and its value. */
  relativeTo?: { strategy: string; factor: number; value: number };
}

/** One `cli` command over every spawn (a Cell's runs are its spawns), its p50 held to the goal. */
export interface CliRow {
  metric: Metric;
  cell: Cell;
  target?: number;
  met?: boolean;
}

export interface CliSummary {
  rows: CliRow[];
  failures: { metric: Metric; repetition: number; error: string }[];
}

export interface BenchSummary {
  strategies: string[];
  unavailable: UnavailableStrategy[];
  rows: Row[];
  /** The baselines measured, pooled over the repetitions. */
  baselines: Partial<Record<BaselineName, Summary>>;
  logChecks: { strategy: string; repetition: number; check: LogCheck }[];
  failures: { scenario: ScenarioName; strategy: string; repetition: number; error: string }[];
  targets: TargetCheck[];
  /** The `cli` scenario, when it ran. */
  cli?: CliSummary;
}

function targetOf(metric: Metric, strategy: string): number | undefined {
  return metric.targets?.[strategy] ?? metric.targets?.['*'];
}

const meets = (metric: Metric, value: number, target: number) => (metric.better === 'lower' ? value <= target : value >= target);

/** The row's goals under one strategy: its p50 against a fixed figure, and a figure against another strategy's. */
function checksOf(row: Row, strategy: string): TargetCheck[] {
  const { metric } = row;
  const figure = (s: string, stat: Stat) => row.cells[s]?.summary?.[stat];
  const checks: TargetCheck[] = [];
  const target = targetOf(metric, strategy);
  const p50 = figure(strategy, 'p50');
  if (target !== undefined && p50 !== undefined) checks.push({ metric, strategy, stat: 'p50', value: p50, target, met: meets(metric, p50, target) });
  const relative = metric.relativeTargets?.[strategy] ?? metric.relativeTargets?.['*'];
  if (relative && relative.of !== strategy) {
    const value = figure(strategy, relative.stat);
    const base = figure(relative.of, relative.stat);
    if (value !== undefined && base !== undefined) {
      const bound = relative.factor * base;
      checks.push({ metric, strategy, stat: relative.stat, value, target: bound, met: meets(metric, value, bound), relativeTo: { strategy: relative.of, factor: relative.factor, value: base } });
    }
  }
  return checks;
}

/** The `cli` rows: every spawn of a command pooled over the repetitions; failed spawns left out. */
export function summarizeCli(samples: readonly CliSample[]): CliSummary {
  const rows = CLI_METRICS.map((metric): CliRow => {
    const mine = samples.filter((s) => s.metric === metric.id);
    const summary = summarize(mine.filter((s) => s.ok).map((s) => s.wallMs));
    const target = targetOf(metric, '*');
    return {
      metric,
      cell: { runs: mine.length, failed: mine.filter((s) => !s.ok).length, ...(summary ? { summary } : {}) },
      ...(target !== undefined ? { target } : {}),
      ...(target !== undefined && summary ? { met: summary.p50 <= target } : {}),
    };
  });
  const failures = samples.flatMap((s) => {
    const metric = CLI_METRICS.find((m) => m.id === s.metric);
    return s.ok || !metric ? [] : [{ metric, repetition: s.repetition, error: s.error ?? 'failed' }];
  });
  return { rows, failures };
}

/** A metric's samples in the runs: its own, or its source's less the baseline's p50 (none without that baseline). */
function samplesOf(metric: Metric, runs: readonly RunSample[], baselines: Partial<Record<BaselineName, Summary>>): number[] {
  const source = metric.derivedFrom;
  if (!source) return runs.flatMap((r) => r.values[metric.id] ?? []);
  const floor = baselines[source.baseline]?.p50;
  return floor === undefined ? [] : runs.flatMap((r) => r.values[source.metric] ?? []).map((v) => v - floor);
}

/** Turns the samples into the table's rows, derived metrics from the baselines pooled over the repetitions. */
export function summarizeBench(results: BenchResults): BenchSummary {
  const baselines: Partial<Record<BaselineName, Summary>> = {};
  for (const name of BASELINE_NAMES) {
    const summary = summarize(BASELINES[name].of(results).flatMap((r) => r.samples));
    if (summary) baselines[name] = summary;
  }
  const rows: Row[] = [];
  const ran = results.scenarios.filter((s) => !results.skipped?.scenarios.includes(s));
  for (const metric of metricsOf(ran)) {
    const cells: Record<string, Cell> = {};
    for (const strategy of results.strategies) {
      const runs = results.runs.filter((r) => r.scenario === metric.scenario && r.strategy === strategy);
      const summary = summarize(samplesOf(metric, runs, baselines));
      cells[strategy] = { runs: runs.length, failed: runs.filter((r) => !r.ok).length, ...(summary ? { summary } : {}) };
    }
    rows.push({ metric, cells });
  }
  const targets = rows.flatMap((row) => results.strategies.flatMap((strategy) => checksOf(row, strategy)));
  return {
    strategies: results.strategies,
    unavailable: results.unavailable,
    rows,
    baselines,
    logChecks: results.runs.flatMap((r) => (r.log ? [{ strategy: r.strategy, repetition: r.repetition, check: r.log }] : [])),
    failures: results.runs.flatMap((r) => (r.ok ? [] : [{ scenario: r.scenario, strategy: r.strategy, repetition: r.repetition, error: r.error ?? 'failed' }])),
    targets,
    ...(results.cli ? { cli: summarizeCli(results.cli.samples) } : {}),
  };
}
