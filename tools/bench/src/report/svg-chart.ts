import type { BenchSummary, Row } from '../summary.js';
import { formatNumber } from './format.js';

/** One colour per strategy, in the order the strategies were given (colour-blind safe, Tableau 10). */
export const STRATEGY_COLOURS = ['#4C78A8', '#F58518', '#54A24B', '#B279A2', '#E45756', '#72B7B2'];

/** The `cli` panels' one bar: kact itself, under no strategy. */
export const CLI_BAR = { name: 'kact', colour: '#8C8C8C' };

const PANEL = { width: 280, height: 250, top: 46, bottom: 34, left: 58, right: 14 };
const COLUMNS = 4;
const HEADER = 86;
const FONT = 'Helvetica, Arial, sans-serif';

/** A white outline under text drawn over bars and grid lines, so it stays readable. */
const HALO = { stroke: '#ffffff', 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke' };

/** Tick labels with the decimals the step needs: 0, 200, 400; 0, 0.5, 1. */
function formatTick(value: number, step: number): string {
  return value.toFixed(Math.max(0, -Math.floor(Math.log10(step))));
}

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Axis ticks at 1, 2 or 5 × 10^k covering 0…max. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): string {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${extra}>${escapeXml(content)}</text>`;
}

const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;

/** One panel: a metric's p50 bars (p95 whiskers) for every strategy, with its own axis and unit. */
function panel(row: Row, strategies: string[], x0: number, y0: number, colours: readonly string[] = STRATEGY_COLOURS): string {
  const { width, height, top, bottom, left, right } = PANEL;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const baseY = y0 + top + plotH;
  const targetFor = (s: string) => row.metric.targets?.[s] ?? row.metric.targets?.['*'];
  const highest = Math.max(
    0,
    ...strategies.flatMap((s) => {
      const sum = row.cells[s]?.summary;
      const target = targetFor(s);
      return [...(sum ? [sum.p95] : []), ...(target !== undefined ? [target] : [])];
    }),
  );
  const ticks = niceTicks(highest * 1.08);
  const top_ = ticks[ticks.length - 1]!;
  const yOf = (v: number) => baseY - (v / top_) * plotH;
  const out: string[] = [`<g class="panel" data-metric="${escapeXml(row.metric.id)}">`];

  out.push(text(x0 + width / 2, y0 + 16, row.metric.scenario, { 'text-anchor': 'middle', 'font-weight': 'bold', 'font-size': 14 }));
  out.push(text(x0 + width / 2, y0 + 33, `${row.metric.label}${row.metric.better === 'higher' ? ' ↑' : ''}`, { 'text-anchor': 'middle', 'font-size': 11.5, fill: '#333' }));
  for (const t of ticks) {
    const y = yOf(t);
    out.push(line(x0 + left, y, x0 + left + plotW, y, 'stroke="#e3e3e3" stroke-width="1"'));
    out.push(text(x0 + left - 5, y + 4, formatTick(t, ticks[1]!), { 'text-anchor': 'end', 'font-size': 10.5, fill: '#555' }));
  }
  out.push(line(x0 + left, y0 + top, x0 + left, baseY, 'stroke="#333" stroke-width="1"'));
  out.push(line(x0 + left, baseY, x0 + left + plotW, baseY, 'stroke="#333" stroke-width="1"'));
  const axisX = x0 + 14;
  const axisY = y0 + top + plotH / 2;
  out.push(text(axisX, axisY, row.metric.unit, { 'text-anchor': 'middle', 'font-size': 11, fill: '#333', transform: `rotate(-90 ${axisX.toFixed(1)} ${axisY.toFixed(1)})` }));

  const slot = plotW / strategies.length;
  const barW = Math.min(56, slot * 0.6);
  strategies.forEach((s, i) => {
    const colour = colours[i % colours.length]!;
    const cx = x0 + left + slot * (i + 0.5);
    out.push(text(cx, baseY + 16, s, { 'text-anchor': 'middle', 'font-size': 11.5, fill: '#333' }));
    const cell = row.cells[s];
    const sum = cell?.summary;
    if (sum && cell.failed > 0) {
      out.push(text(cx, baseY + 28, `${cell.failed} of ${cell.runs} runs failed`, { 'text-anchor': 'middle', 'font-size': 9.5, fill: '#b00' }));
    }
    if (!sum) {
      out.push(text(cx, baseY - 8, !cell || cell.runs === 0 ? 'not run' : 'failed', { 'text-anchor': 'middle', 'font-size': 11, fill: '#b00' }));
      return;
    }
    const y50 = yOf(Math.max(0, sum.p50));
    const y95 = yOf(Math.max(0, sum.p95));
    const value = formatNumber(sum.p50);
    const labelY = Math.max(y0 + top - 2, Math.min(y95, y50) - 5);
    const target = targetFor(s);
    // The goal line goes under the bar and its number, so the number's halo keeps it readable.
    let goalLabel: string | undefined;
    if (target !== undefined) {
      const yt = yOf(target);
      const goal = `goal ${Number.isInteger(target) ? target : formatNumber(target)}`;
      const goalX = cx - slot / 2 + 4;
      // Above the line, unless that is where the value is written: then below it.
      const clashes = goalX + goal.length * 5.6 > cx - value.length * 3.6 && Math.abs(labelY - (yt - 3)) < 13;
      out.push(line(cx - slot / 2 + 4, yt, cx + slot / 2 - 4, yt, 'stroke="#c00" stroke-width="1.3" stroke-dasharray="5 3"'));
      goalLabel = text(goalX, clashes ? yt + 11 : yt - 3, goal, { 'font-size': 9.5, fill: '#c00', ...HALO });
    }
    out.push(`<rect x="${(cx - barW / 2).toFixed(1)}" y="${y50.toFixed(1)}" width="${barW.toFixed(1)}" height="${(baseY - y50).toFixed(1)}" fill="${colour}"><title>${escapeXml(`${s}: p50 ${formatNumber(sum.p50)} ${row.metric.unit}, p95 ${formatNumber(sum.p95)} (n=${sum.n})`)}</title></rect>`);
    if (sum.p95 > sum.p50) {
      out.push(line(cx, y50, cx, y95, 'stroke="#222" stroke-width="1.2"'));
      out.push(line(cx - 7, y95, cx + 7, y95, 'stroke="#222" stroke-width="1.2"'));
    }
    out.push(text(cx, labelY, value, { 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold', fill: '#111', ...HALO }));
    if (goalLabel) out.push(goalLabel);
  });
  out.push('</g>');
  return out.join('\n');
}

/**
 * The chart: one panel per metric (each with its own axis and unit), a bar per strategy in that
 * strategy's colour with its p50 written on it and a p95 whisker, goals as dashed red lines.
 */
export function renderChart(summary: BenchSummary, subtitle: string): string {
  const panels = [
    ...summary.rows.map((row) => ({ row, strategies: summary.strategies, colours: STRATEGY_COLOURS })),
    ...(summary.cli?.rows ?? []).map(({ metric, cell }) => ({ row: { metric, cells: { [CLI_BAR.name]: cell } }, strategies: [CLI_BAR.name], colours: [CLI_BAR.colour] })),
  ];
  const rows = panels.map((p) => p.row);
  const columns = Math.max(1, Math.min(COLUMNS, rows.length));
  const width = columns * PANEL.width + 20;
  const height = HEADER + Math.max(1, Math.ceil(rows.length / columns)) * PANEL.height + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(14, 26, summary.rows.length === 0 && summary.cli ? "kact bench: kact's own start" : 'kact bench: step strategies side by side', { 'font-size': 18, 'font-weight': 'bold', fill: '#111' }),
    text(14, 46, subtitle, { 'font-size': 11.5, fill: '#555' }),
  ];
  let lx = 14;
  summary.strategies.forEach((s, i) => {
    out.push(`<rect x="${lx}" y="58" width="14" height="14" fill="${STRATEGY_COLOURS[i % STRATEGY_COLOURS.length]}"/>`);
    out.push(text(lx + 19, 70, s, { 'font-size': 12.5, fill: '#111' }));
    lx += 30 + s.length * 8;
  });
  if (summary.cli) {
    const label = `${CLI_BAR.name} (cli)`;
    out.push(`<rect x="${lx}" y="58" width="14" height="14" fill="${CLI_BAR.colour}"/>`);
    out.push(text(lx + 19, 70, label, { 'font-size': 12.5, fill: '#111' }));
    lx += 30 + label.length * 8;
  }
  out.push(text(lx + 10, 70, 'bar and number: p50 · whisker: p95 · dashed red: goal (p50) · ↑ higher is better', { 'font-size': 11.5, fill: '#555' }));
  panels.forEach(({ row, strategies, colours }, i) => {
    const x = 10 + (i % columns) * PANEL.width;
    const y = HEADER + Math.floor(i / columns) * PANEL.height;
    out.push(panel(row, strategies, x, y, colours));
  });
  if (rows.length === 0) out.push(text(14, HEADER + 30, 'nothing measured', { 'font-size': 14, fill: '#b00' }));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
