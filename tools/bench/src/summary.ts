import type { BenchResults, UnavailableStrategy } from './bench-run.js';
import { CLI_METRICS, type CliSample } from './cli-start.js';
import { metricsOf, OVERHEAD_METRIC, type Metric, type ScenarioName } from './scenarios.js';
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

/** A metric's p50 held to its goal from the issues. */
export interface TargetCheck {
  metric: Metric;
  strategy: string;
  target: number;
  p50: number;
  met: boolean;
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
  rawExec?: Summary;
  logChecks: { strategy: string; repetition: number; check: LogCheck }[];
  failures: { scenario: ScenarioName; strategy: string; repetition: number; error: string }[];
  targets: TargetCheck[];
  /** The `cli` scenario, when it ran. */
  cli?: CliSummary;
}

function targetOf(metric: Metric, strategy: string): number | undefined {
  return metric.targets?.[strategy] ?? metric.targets?.['*'];
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

/** Turns the samples into the table's rows, with the overhead derived from the raw exec baseline. */
export function summarizeBench(results: BenchResults): BenchSummary {
  const rawExec = summarize(results.rawExec.flatMap((r) => r.samples));
  const rows: Row[] = [];
  const ran = results.scenarios.filter((s) => !results.skipped?.scenarios.includes(s));
  for (const metric of metricsOf(ran)) {
    const cells: Record<string, Cell> = {};
    for (const strategy of results.strategies) {
      const runs = results.runs.filter((r) => r.scenario === metric.scenario && r.strategy === strategy);
      let values: number[];
      if (metric.id === OVERHEAD_METRIC.id) {
        const steps = runs.flatMap((r) => r.values['steps.step'] ?? []);
        values = rawExec ? steps.map((v) => v - rawExec.p50) : [];
      } else values = runs.flatMap((r) => r.values[metric.id] ?? []);
      const summary = summarize(values);
      cells[strategy] = { runs: runs.length, failed: runs.filter((r) => !r.ok).length, ...(summary ? { summary } : {}) };
    }
    rows.push({ metric, cells });
  }
  const targets: TargetCheck[] = rows.flatMap((row) =>
    results.strategies.flatMap((strategy) => {
      const target = targetOf(row.metric, strategy);
      const p50 = row.cells[strategy]?.summary?.p50;
      if (target === undefined || p50 === undefined) return [];
      return [{ metric: row.metric, strategy, target, p50, met: row.metric.better === 'lower' ? p50 <= target : p50 >= target }];
    }),
  );
  return {
    strategies: results.strategies,
    unavailable: results.unavailable,
    rows,
    ...(rawExec ? { rawExec } : {}),
    logChecks: results.runs.flatMap((r) => (r.log ? [{ strategy: r.strategy, repetition: r.repetition, check: r.log }] : [])),
    failures: results.runs.flatMap((r) => (r.ok ? [] : [{ scenario: r.scenario, strategy: r.strategy, repetition: r.repetition, error: r.error ?? 'failed' }])),
    targets,
    ...(results.cli ? { cli: summarizeCli(results.cli.samples) } : {}),
  };
}
