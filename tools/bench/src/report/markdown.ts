import { BASELINE_NAMES, BASELINES } from '../baselines.js';
import type { BenchResults } from '../bench-run.js';
import type { KactProcess } from '../kact-run.js';
import { KACT_RUN_MEASURES, needsCluster, SCENARIOS, type KactRunMeasure, type KactRunScenario } from '../scenarios.js';
import type { BenchSummary, Cell, CliSummary, TargetCheck } from '../summary.js';
import { formatNumber, formatRatio, formatValue } from './format.js';

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function cellText(cell: Cell | undefined, pick: 'p50' | 'p95'): string {
  if (!cell || cell.runs === 0) return 'not run';
  if (!cell.summary) return 'failed';
  return `${formatNumber(cell.summary[pick])}${cell.failed > 0 ? ' †' : ''}`;
}

/**
 * The scenario × strategy table: p50 and p95 per strategy, and each strategy's p50 over the
 * first's. When a row has a figure measured elsewhere (act's), a column shows it and one per
 * strategy its p50 over it.
 */
export function renderTable(summary: BenchSummary): string {
  const [base, ...others] = summary.strategies;
  if (!base) return '_no strategy could run_\n';
  const referenceNames = [...new Set(summary.rows.flatMap((r) => (r.metric.reference ? [r.metric.reference.name] : [])))];
  const reference = referenceNames.length === 1 ? referenceNames[0]! : 'reference';
  const referenceHead = referenceNames.length > 0 ? [`${reference} (reference)`, ...summary.strategies.map((s) => `${s} ÷ ${reference}`)] : [];
  const head = ['scenario', 'metric', 'unit', ...summary.strategies.flatMap((s) => [`${s} p50`, `${s} p95`]), ...others.map((s) => `${s} ÷ ${base} (p50)`), ...referenceHead];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of summary.rows) {
    const p50 = (s: string) => row.cells[s]?.summary?.p50;
    const ref = row.metric.reference?.value;
    const cells = [
      row.metric.scenario,
      `${row.metric.label}${row.metric.better === 'higher' ? ' (higher is better)' : ''}`,
      row.metric.unit,
      ...summary.strategies.flatMap((s) => [cellText(row.cells[s], 'p50'), cellText(row.cells[s], 'p95')]),
      ...others.map((s) => formatRatio(p50(s), p50(base))),
      ...(referenceHead.length > 0 ? [ref === undefined ? '' : formatNumber(ref), ...summary.strategies.map((s) => formatRatio(p50(s), ref))] : []),
    ];
    lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `cli` table: each command's wall time over its spawns, and its goal. */
export function renderCliTable(cli: CliSummary): string {
  const lines = ['| command (`cli`) | unit | p50 | p95 | min | max | spawns | goal (p50) |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const row of cli.rows) {
    const { summary } = row.cell;
    const mark = row.cell.failed > 0 ? ' †' : '';
    const figure = (value: number | undefined) => (value === undefined ? cellText(row.cell, 'p50') : `${formatNumber(value)}${mark}`);
    const goal = row.target === undefined ? '' : `≤ ${formatValue(row.target, row.metric.unit)}${row.met === undefined ? '' : row.met ? ': met' : ': **MISSED**'}`;
    const cells = ['`' + row.metric.label + '`', row.metric.unit, figure(summary?.p50), figure(summary?.p95), figure(summary?.min), figure(summary?.max), String(row.cell.runs - row.cell.failed), goal];
    lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `- met: exec job start over a bare pod p50 120 ms ≤ 150 ms`; against another strategy
 * `… p95 130 ms ≤ 2 × exec's p95 70.0 ms = 140 ms`; against a reference, its ratio to it.
 */
export function goalLine(t: TargetCheck): string {
  const { unit } = t.metric;
  const bound = t.relativeTo
    ? `${t.relativeTo.factor} × ${t.relativeTo.strategy}'s ${t.stat} ${formatValue(t.relativeTo.value, unit)} = ${formatValue(t.target, unit)}`
    : formatValue(t.target, unit);
  const reference = t.metric.reference;
  const ratio = reference && !t.relativeTo ? ` (${formatRatio(t.value, reference.value)} ${reference.name})` : '';
  return `- ${t.met ? 'met' : '**MISSED**'}: ${t.strategy} ${t.metric.label} ${t.stat} ${formatValue(t.value, unit)} ${t.metric.better === 'lower' ? '≤' : '≥'} ${bound}${ratio}`;
}

/** How the `kact-run` scenarios that ran spawned kact, and what each measured of the process. */
function kactRunNotes(results: BenchResults, kact: KactProcess): string[] {
  const spawned = [...new Set(results.runs.map((r) => SCENARIOS[r.scenario]))].filter((s): s is KactRunScenario => s.kind === 'kact-run');
  if (spawned.length === 0) return [];
  const command = `node ${kact.kactBin} run -C <repo> --strategy <s> --concurrent-jobs ${results.concurrentJobs} --json <file>${kact.runArgs?.length ? ` ${kact.runArgs.join(' ')}` : ''}`;
  const measured = (Object.keys(KACT_RUN_MEASURES) as KactRunMeasure[]).flatMap((measure) => {
    const names = spawned.filter((s) => s.measures === measure).map((s) => s.name);
    return names.length > 0 ? [`${names.join(', ')}: ${KACT_RUN_MEASURES[measure]}`] : [];
  });
  return [`- ${spawned.map((s) => s.name).join(', ')}: \`${command}\` spawned, output discarded; <repo> is a git copy (on main) of the scenario's repository. ${measured.join('; ')}.`];
}

/** The notes under the table: baselines, goals, references, the log byte check, and what did not run. */
export function renderNotes(summary: BenchSummary, results: BenchResults): string {
  const out: string[] = [];
  for (const name of BASELINE_NAMES) {
    const measured = summary.baselines[name];
    const info = BASELINES[name];
    if (measured) out.push(`- ${info.describe}, ${measured.n} samples): p50 ${formatValue(measured.p50, 'ms')}, p95 ${formatValue(measured.p95, 'ms')}. ${info.derived}`);
  }
  for (const t of summary.targets) out.push(goalLine(t));
  for (const row of summary.rows) {
    const reference = row.metric.reference;
    if (!reference) continue;
    const ours = summary.strategies.flatMap((s) => {
      const p50 = row.cells[s]?.summary?.p50;
      return p50 === undefined ? [] : [`${s} p50 ${formatValue(p50, row.metric.unit)} = ${formatRatio(p50, reference.value)} ${reference.name}`];
    });
    out.push(`- ${reference.name} (${reference.note}): ${row.metric.label} ${formatValue(reference.value, row.metric.unit)}${ours.length ? `; ${ours.join(', ')}` : ''}. ${reference.detail}.`);
  }
  for (const strategy of summary.strategies) {
    const checks = summary.logChecks.filter((c) => c.strategy === strategy);
    if (checks.length === 0) continue;
    const bad = checks.filter((c) => !c.check.ok);
    const printed = checks[0]!.check.printedBytes;
    if (bad.length === 0) out.push(`- log bytes: ${strategy} delivered all ${printed} printed bytes (${checks[0]!.check.expectedLines} lines) in ${checks.length} of ${checks.length} runs`);
    for (const c of bad) {
      out.push(
        `- **LOG MISMATCH**: ${strategy} run ${c.repetition} delivered ${c.check.deliveredBytes} of ${c.check.printedBytes} bytes ` +
          `(${c.check.deliveredBytes - c.check.printedBytes} difference), ${c.check.deliveredLines} lines of ${c.check.expectedLines}, ${c.check.otherLines} not whole payload lines`,
      );
    }
  }
  if (results.cli) {
    out.push(
      `- cli: each command spawned as \`node ${results.cli.kactBin} …\` ${results.cli.spawnsPerRepetition} times per repetition, ` +
        `the commands in turn, after one unmeasured spawn of each; wall time from spawn to exit; <repo> is ${results.cli.repo}. No cluster is contacted.`,
    );
  }
  if (results.kact) out.push(...kactRunNotes(results, results.kact));
  for (const row of summary.cli?.rows ?? []) {
    const failure = summary.cli!.failures.find((f) => f.metric.id === row.metric.id);
    if (failure) out.push(`- † cli \`${row.metric.label}\`: ${row.cell.failed} of ${row.cell.runs} spawns failed (left out), first in run ${failure.repetition}: ${failure.error}`);
  }
  if (results.settling) {
    const { waits, longestMs, gaveUp } = results.settling;
    out.push(
      `- each run and baseline started once no node held a pod of an earlier kact run (the kubelet's own pod list, nodes/proxy): kact deletes pods with no grace, and the kubelet's clean-up would otherwise fall on the next sample; ${waits} wait(s), the longest ${formatValue(longestMs, 'ms')}` +
        (gaveUp.length ? `; ${gaveUp.length} started anyway (first: ${gaveUp[0]})` : ''),
    );
  }
  if (results.skipped) out.push(`- not run: ${results.skipped.scenarios.join(', ')}: ${results.skipped.reason}`);
  for (const u of summary.unavailable) out.push(`- ${u.name}: not measured, unavailable: ${u.reason}`);
  for (const f of summary.failures) out.push(`- † ${f.scenario} under ${f.strategy}, run ${f.repetition} failed (left out): ${f.error}`);
  for (const name of BASELINE_NAMES) {
    const info = BASELINES[name];
    for (const r of info.of(results).filter((r) => r.error || r.failures.length > 0)) {
      out.push(`- ${info.name}, run ${r.repetition}${r.before ? ` before ${r.before}` : ''}: ${r.error ?? `${r.failures.length} ${info.samples} failed (${r.failures[0]})`}`);
    }
  }
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(', ');
  out.push(
    `- ${results.repeat} repetition(s)${results.strategies.length > 0 ? `, interleaved by strategy; --concurrent-jobs ${results.concurrentJobs}` : ''}; ${results.host.cpus} CPUs, Node ${results.host.node}; ` +
      `load average ${load(results.host.loadavgBefore)} at the start, ${load(results.host.loadavgAfter)} at the end; ${results.startedAt}${results.cancelled ? '; CANCELLED before the end' : ''}`,
  );
  return `${out.join('\n')}\n`;
}

/** The whole markdown: the strategies' table (when cluster scenarios ran), the `cli` table, then notes. */
export function renderMarkdown(summary: BenchSummary, results: BenchResults): string {
  const tables = [
    ...(results.scenarios.some(needsCluster) && !results.skipped ? [renderTable(summary)] : []),
    ...(summary.cli ? [renderCliTable(summary.cli)] : []),
  ];
  return `${tables.join('\n')}\n${renderNotes(summary, results)}`;
}
