import { describe, expect, it } from 'vitest';
import { benchFixture, issue15Fixture } from '../test/bench-fixture.js';
import { summarizeBench } from './summary.js';

describe('summarizeBench', () => {
  const summary = summarizeBench(benchFixture());
  const row = (id: string) => summary.rows.find((r) => r.metric.id === id)!;

  it('pools samples over repetitions per strategy', () => {
    expect(row('steps.step').cells.exec!.summary).toMatchObject({ n: 10, p50: 34 });
    expect(row('job-start.latency').cells.sidecar!.summary).toMatchObject({ n: 4, min: 1600, max: 1800 });
    expect(summary.rows.map((r) => r.metric.id)).toEqual(['steps.step', 'steps.overhead', 'job-start.latency', 'job-start.overhead', 'matrix.throughput', 'matrix.wall', 'rss.peak', 'env.step', 'log.throughput']);
  });

  it('derives the overhead as step duration minus the raw exec p50', () => {
    expect(summary.baselines['raw-exec']).toMatchObject({ n: 5, p50: 20 });
    expect(row('steps.overhead').cells.exec!.summary!.p50).toBe(34 - 20);
    expect(row('steps.overhead').cells.sidecar!.summary!.p50).toBe(440 - 20);
  });

  it('derives job start over a bare pod from every bare pod started, failed ones left out', () => {
    expect(summary.baselines['bare-pod']).toMatchObject({ n: 4, p50: 1450 });
    expect(row('job-start.overhead').cells.exec!.summary).toMatchObject({ p50: 1600 - 1450, p95: 1700 - 1450 });
    expect(row('job-start.overhead').cells.sidecar!.summary!.p50).toBe(1700 - 1450);
  });

  it('leaves failed runs out and counts them', () => {
    expect(row('matrix.throughput').cells.sidecar).toMatchObject({ runs: 2, failed: 1, summary: { n: 1, p50: 20 } });
    expect(summary.failures).toEqual([{ scenario: 'matrix', strategy: 'sidecar', repetition: 2, error: expect.stringContaining('pod <gone>') }]);
  });

  it('holds p50s to the goals of issues 4, 5 and 15', () => {
    const goals = summary.targets.map((t) => `${t.strategy} ${t.metric.id} ${t.stat} ${t.value} ≤ ${t.target} ${t.met}`);
    expect(goals).toEqual([
      'exec steps.overhead p50 14 ≤ 50 true',
      'sidecar steps.overhead p50 420 ≤ 600 true',
      'exec job-start.latency p50 1600 ≤ 2000 true',
      'sidecar job-start.latency p50 1700 ≤ 2000 true',
      'exec job-start.overhead p50 150 ≤ 150 true',
      'sidecar job-start.overhead p50 250 ≤ 300 true',
      'exec rss.peak p50 121.5 ≤ 200 true',
      'sidecar rss.peak p50 130 ≤ 200 true',
    ]);
  });

  it('keeps every log check, the bad ones included', () => {
    expect(summary.logChecks.map((c) => `${c.strategy}${c.repetition}:${c.check.ok}`)).toEqual(['exec1:true', 'sidecar1:true', 'exec2:true', 'sidecar2:false']);
  });

  it('has no derived figure, and so no goal, without its baseline', () => {
    const results = { ...benchFixture(), rawExec: [], barePod: [] };
    const bare = summarizeBench(results);
    for (const id of ['steps.overhead', 'job-start.overhead']) expect(bare.rows.find((r) => r.metric.id === id)!.cells.exec!.summary).toBeUndefined();
    expect(bare.targets.map((t) => t.metric.id)).not.toContain('job-start.overhead');
    const { barePod: _, ...older } = benchFixture();
    expect(summarizeBench(older).baselines['bare-pod']).toBeUndefined();
  });
});

describe('summarizeBench, goals against another strategy and against act', () => {
  const summary = summarizeBench(issue15Fixture());
  const goals = (id: string) => summary.targets.filter((t) => t.metric.id === id);

  it('holds sidecar per-step p95 to 2× exec p95 and its job p50 to 1.2× exec, measured in the same bench', () => {
    expect(goals('steps-30.step')).toEqual([expect.objectContaining({ strategy: 'sidecar', stat: 'p95', value: 190, target: 200, met: true, relativeTo: { strategy: 'exec', factor: 2, value: 100 } })]);
    expect(goals('steps-100.step')).toEqual([expect.objectContaining({ strategy: 'sidecar', value: 2100, target: 200, met: false })]);
    expect(goals('steps-30.job')).toEqual([expect.objectContaining({ stat: 'p50', value: 5.5, target: 6, met: true })]);
    expect(goals('steps-100.job')).toEqual([expect.objectContaining({ stat: 'p50', value: 14, met: false })]);
  });

  it('checks no ratio goal when the strategy it is measured against has no figure', () => {
    const results = issue15Fixture();
    const noExec = { ...results, runs: results.runs.map((r) => (r.scenario === 'steps-30' && r.strategy === 'exec' ? { ...r, ok: false, values: {} } : r)) };
    expect(summarizeBench(noExec).targets.filter((t) => t.metric.id.startsWith('steps-30'))).toEqual([]);
  });

  it("holds every strategy's whole kact run to act's time", () => {
    expect(goals('run-hello.wall').map((t) => `${t.strategy} ${t.value} ≤ ${t.target} ${t.met}`)).toEqual(['exec 3.5 ≤ 3.99 true', 'sidecar 6 ≤ 3.99 false']);
    expect(goals('run-matrix-6.wall').map((t) => `${t.strategy} ${t.value} ${t.met}`)).toEqual(['exec 4.64 true', 'sidecar 9.28 false']);
    expect(summary.rows.find((r) => r.metric.id === 'run-matrix-6.wall')!.cells.sidecar).toMatchObject({ runs: 2, failed: 1 });
  });
});
