import { describe, expect, it } from 'vitest';
import { benchFixture, issue15Fixture } from '../../test/bench-fixture.js';
import { summarizeBench } from '../summary.js';
import { goalLine, renderMarkdown, renderTable } from './markdown.js';
import { formatNumber, formatRatio } from './format.js';

describe('renderTable', () => {
  const results = benchFixture();
  const table = renderTable(summarizeBench(results));
  const lines = table.trim().split('\n');

  it('has a column pair per strategy and the ratio of each to the first', () => {
    expect(lines[0]).toBe('| scenario | metric | unit | exec p50 | exec p95 | sidecar p50 | sidecar p95 | sidecar ÷ exec (p50) |');
    expect(lines[1]).toBe('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
    expect(lines).toHaveLength(2 + 9);
    for (const line of lines) expect(line.split(' | ')).toHaveLength(8);
  });

  it('shows p50, p95 and the ratio per metric, marking rows with failed runs', () => {
    expect(lines).toContain('| steps | per-step duration | ms | 34.0 | 38.0 | 440 | 480 | 12.94× |');
    expect(lines).toContain('| steps | per-step overhead over raw exec | ms | 14.0 | 18.0 | 420 | 460 | 30.00× |');
    expect(lines).toContain('| matrix | matrix throughput (higher is better) | legs/min | 40.0 | 40.0 | 20.0 † | 20.0 † | 0.50× |');
    expect(lines).toContain('| job-start | job start over a bare pod | ms | 150 | 250 | 250 | 350 | 1.67× |');
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
  });

  it('gives the bare pod baseline, the goals against it, and what failed while measuring it', () => {
    expect(text).toContain('- Bare pod start (create a one-container pod of the runner image, `sleep infinity`, watch it to Running, one `exec true` into it; no kact, 4 samples): p50 1450 ms');
    expect(text).toContain('- met: exec job start over a bare pod p50 150 ms ≤ 150 ms');
    expect(text).toContain('- met: sidecar job start over a bare pod p50 250 ms ≤ 300 ms');
    expect(text).toContain('- bare pod, run 1 before sidecar: 1 pod starts failed (bare pod kact-bare2-bare-2: ErrImageNeverPull)');
    expect(text).toContain('- bare pod, run 2 before sidecar: pods is forbidden');
  });

  it('marks a missed goal', () => {
    const slow = { ...results, runs: results.runs.map((r) => (r.scenario === 'steps' && r.strategy === 'exec' ? { ...r, values: { 'steps.step': [200] } } : r)) };
    expect(renderMarkdown(summarizeBench(slow), slow)).toContain('- **MISSED**: exec per-step overhead over raw exec p50 180 ms ≤ 50.0 ms');
  });
});

describe('issue 15: goals against exec and against act', () => {
  const results = issue15Fixture();
  const summary = summarizeBench(results);
  const text = renderMarkdown(summary, results);
  const lines = renderTable(summary).trim().split('\n');

  it("adds act's figure and each strategy's ratio to it as columns, empty where a row has none", () => {
    expect(lines[0]).toBe('| scenario | metric | unit | exec p50 | exec p95 | sidecar p50 | sidecar p95 | sidecar ÷ exec (p50) | act (reference) | exec ÷ act | sidecar ÷ act |');
    expect(lines).toContain('| run-hello | kact run, examples/hello | s | 3.50 | 3.50 | 6.00 | 6.45 | 1.71× | 3.99 | 0.88× | 1.50× |');
    expect(lines).toContain('| run-matrix-6 | kact run, a 6-leg matrix of 3 steps | s | 4.64 | 4.64 | 9.28 † | 9.28 † | 2.00× | 4.64 | 1.00× | 2.00× |');
    expect(lines).toContain('| steps-30 | per-step duration, 30 steps | ms | 40.0 | 100 | 50.0 | 190 | 1.25× |  |  |  |');
    for (const line of lines) expect(line.split(' | ')).toHaveLength(11);
  });

  it('states sidecar against exec in the goal lines, with the figures the bound came from', () => {
    expect(text).toContain("- met: sidecar per-step duration, 30 steps p95 190 ms ≤ 2 × exec's p95 100 ms = 200 ms");
    expect(text).toContain("- **MISSED**: sidecar per-step duration, 100 steps p95 2100 ms ≤ 2 × exec's p95 100 ms = 200 ms");
    expect(text).toContain("- met: sidecar job duration, 30 steps p50 5.50 s ≤ 1.2 × exec's p50 5.00 s = 6.00 s");
    expect(text).toContain("- **MISSED**: sidecar job duration, 100 steps p50 14.0 s ≤ 1.2 × exec's p50 10.0 s = 12.0 s");
    expect(text).not.toMatch(/: exec (per-step|job) duration, \d+ steps/);
  });

  it("holds each strategy's whole kact run to act's, says whose figure that is, and how it was measured", () => {
    expect(text).toContain('- met: exec kact run, examples/hello p50 3.50 s ≤ 3.99 s (0.88× act)');
    expect(text).toContain('- **MISSED**: sidecar kact run, examples/hello p50 6.00 s ≤ 3.99 s (1.50× act)');
    expect(text).toContain('- act (reference, measured 2026-11, not by this bench): kact run, examples/hello 3.99 s; exec p50 3.50 s = 0.88× act, sidecar p50 6.00 s = 1.50× act.');
    expect(text).toContain('kact measured the same way then: 6.62 s.');
    expect(text).toContain(
      "- rss-20, run-hello, run-matrix-6: `node /kact/bin/kact.js run -C <repo> --strategy <s> --concurrent-jobs 4 --json <file> --context local` spawned, output discarded; <repo> is a git copy (on main) of the scenario's repository. " +
        "run-hello, run-matrix-6: wall time from spawn to exit; rss-20: the kact process's peak resident set size: VmHWM of /proc/<pid>/status, read every 100 ms until it exits.",
    );
    expect(text).toContain('- † run-matrix-6 under sidecar, run 2 failed (left out): exit 1: 5 of 6 jobs succeeded');
  });

  it('writes a goal against a fixed figure as before', () => {
    const overhead = summary.targets.find((t) => t.metric.id === 'steps.overhead')!;
    expect(goalLine(overhead)).toBe('- met: exec per-step overhead over raw exec p50 14.0 ms ≤ 50.0 ms');
  });
});

describe('number formatting', () => {
  it('keeps three significant-ish figures', () => {
    expect([1234.4, 56.78, 8.912, 0, Number.NaN].map(formatNumber)).toEqual(['1234', '56.8', '8.91', '0.00', '—']);
    expect(formatRatio(3, 2)).toBe('1.50×');
    expect(formatRatio(3, 0)).toBe('');
    expect(formatRatio(993, -33)).toBe('');
    expect(formatRatio(undefined, 2)).toBe('');
  });
});
