import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults } from '../bench-run.js';
import { summarizeBench, type BenchSummary } from '../summary.js';
import { renderMarkdown } from './markdown.js';
import { renderChart } from './svg-chart.js';

export interface WrittenResults {
  summary: BenchSummary;
  markdown: string;
  files: { json: string; markdown: string; svg: string };
}

/** The chart's subtitle: when, how often, and how busy the machine was. */
export function chartSubtitle(results: BenchResults): string {
  const load = results.host.loadavgBefore[0]?.toFixed(2) ?? '?';
  return `${results.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${results.repeat} repetition(s) · ${results.host.cpus} CPUs · load average ${load} at the start`;
}

/**
 * Writes results.json (every sample), results.md (the table and notes) and results.svg (the
 * chart) into `outDir`. A folder it creates gets a `.gitignore` of `*`, so results never end up
 * in a commit by accident.
 */
export async function writeResults(results: BenchResults, outDir: string): Promise<WrittenResults> {
  const created = !existsSync(outDir);
  await mkdir(outDir, { recursive: true });
  if (created) await writeFile(join(outDir, '.gitignore'), '*\n');
  const summary = summarizeBench(results);
  const markdown = renderMarkdown(summary, results);
  const files = { json: join(outDir, 'results.json'), markdown: join(outDir, 'results.md'), svg: join(outDir, 'results.svg') };
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(results, null, 1)}\n`),
    writeFile(files.markdown, markdown),
    writeFile(files.svg, renderChart(summary, chartSubtitle(results))),
  ]);
  return { summary, markdown, files };
}
