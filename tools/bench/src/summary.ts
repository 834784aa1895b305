import type { BenchResults, UnavailableStrategy } from './bench-run.js';
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

export interface BenchSummary {
  strategies: string[];
  unavailable: UnavailableStrategy[];
  rows: Row[];
  rawExec?: Summary;
  logChecks: { strategy: string; repetition: number; check: LogCheck }[];
  failures: { scenario: ScenarioName; strategy: string; repetition: number; error: string }[];
  targets: TargetCheck[];
}

function targetOf(metric: Metric, strategy: string): number | undefined {
  return metric.targets?.[strategy] ?? metric.targets?.['*'];
}

/** Turns the samples into the table's rows, with the overhead derived from the raw exec baseline. */
export function summarizeBench(results: BenchResults): BenchSummary {
  const rawExec = summarize(results.rawExec.flatMap((r) => r.samples));
  const rows: Row[] = [];
  for (const metric of metricsOf(results.scenarios)) {
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
  };
}
