import { describe, expect, it } from 'vitest';
import { benchFixture } from '../../test/bench-fixture.js';
import { summarizeBench } from '../summary.js';
import { renderMarkdown, renderTable } from './markdown.js';
import { formatNumber, formatRatio } from './format.js';

describe('renderTable', () => {
  const results = benchFixture();
  const table = renderTable(summarizeBench(results));
  const lines = table.trim().split('\n');

  it('has a column pair per strategy and the ratio of each to the first', () => {
    expect(lines[0]).toBe('| scenario | metric | unit | exec p50 | exec p95 | sidecar p50 | sidecar p95 | sidecar ÷ exec (p50) |');
    expect(lines[1]).toBe('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
    expect(lines).toHaveLength(2 + 8);
    for (const line of lines) expect(line.split(' | ')).toHaveLength(8);
  });

  it('shows p50, p95 and the ratio per metric, marking rows with failed runs', () => {
    expect(lines).toContain('| steps | per-step duration | ms | 34.0 | 38.0 | 440 | 480 | 12.94× |');
    expect(lines).toContain('| steps | per-step overhead over raw exec | ms | 14.0 | 18.0 | 420 | 460 | 30.00× |');
    expect(lines).toContain('| matrix | matrix throughput (higher is better) | legs/min | 40.0 | 40.0 | 20.0 † | 20.0 † | 0.50× |');
  });

  it('says so when nothing could run', () => {
    expect(renderTable({ ...summarizeBench(results), strategies: [] })).toContain('no strategy could run');
  });

  it('writes "not run" and "failed" for cells without samples', () => {
    const only = { ...results, runs: results.runs.filter((r) => !(r.scenario === 'env-500' && r.strategy === 'sidecar')).map((r) => (r.scenario === 'rss-20' && r.strategy === 'sidecar' ? { ...r, ok: false, values: {} } : r)) };
    const text = renderTable(summarizeBench(only));
    expect(text).toContain('| env-500 | step with 500 env vars | ms | 65.0 | 70.0 | not run | not run |  |');
    expect(text).toContain('| rss-20 | kact peak RSS, 20-leg matrix | MiB | 122 | 122 | failed | failed |  |');
  });
});

describe('renderMarkdown notes', () => {
  const results = benchFixture();
  const text = renderMarkdown(summarizeBench(results), results);

  it('gives the baseline, the goals, the log check loudly, what failed and the load', () => {
    expect(text).toContain('Raw exec round-trip (`exec true` into a running runner container, 5 samples): p50 20.0 ms, p95 28.0 ms');
    expect(text).toContain('- met: exec per-step overhead over raw exec p50 14.0 ms ≤ 50.0 ms');
    expect(text).toContain('- log bytes: exec delivered all 52953088 printed bytes (524288 lines) in 2 of 2 runs');
    expect(text).toContain('- **LOG MISMATCH**: sidecar run 2 delivered 52952987 of 52953088 bytes (-101 difference)');
    expect(text).toContain('- wasm: not measured, unavailable: no such strategy');
    expect(text).toContain('- † matrix under sidecar, run 2 failed (left out): run failure: matrix (3): pod <gone> & "lost"');
    expect(text).toContain('load average 1.50, 2.00, 2.50 at the start');
    expect(text).toContain('it was already 90.0–90.0 MiB when the rss-20 runs started');
  });

  it('marks a missed goal', () => {
    const slow = { ...results, runs: results.runs.map((r) => (r.scenario === 'steps' && r.strategy === 'exec' ? { ...r, values: { 'steps.step': [200] } } : r)) };
    expect(renderMarkdown(summarizeBench(slow), slow)).toContain('- **MISSED**: exec per-step overhead over raw exec p50 180 ms ≤ 50.0 ms');
  });
});

describe('number formatting', () => {
  it('keeps three significant-ish figures', () => {
    expect([1234.4, 56.78, 8.912, 0, Number.NaN].map(formatNumber)).toEqual(['1234', '56.8', '8.91', '0.00', '—']);
    expect(formatRatio(3, 2)).toBe('1.50×');
    expect(formatRatio(3, 0)).toBe('');
    expect(formatRatio(undefined, 2)).toBe('');
  });
});
