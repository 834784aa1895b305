import { describe, expect, it } from 'vitest';
import { benchFixture } from '../test/bench-fixture.js';
import { summarizeBench } from './summary.js';

describe('summarizeBench', () => {
  const summary = summarizeBench(benchFixture());
  const row = (id: string) => summary.rows.find((r) => r.metric.id === id)!;

  it('pools samples over repetitions per strategy', () => {
    expect(row('steps.step').cells.exec!.summary).toMatchObject({ n: 10, p50: 34 });
    expect(row('job-start.latency').cells.sidecar!.summary).toMatchObject({ n: 4, min: 1600, max: 1800 });
    expect(summary.rows.map((r) => r.metric.id)).toEqual(['steps.step', 'steps.overhead', 'job-start.latency', 'matrix.throughput', 'matrix.wall', 'rss.peak', 'env.step', 'log.throughput']);
  });

  it('derives the overhead as step duration minus the raw exec p50', () => {
    expect(summary.rawExec).toMatchObject({ n: 5, p50: 20 });
    expect(row('steps.overhead').cells.exec!.summary!.p50).toBe(34 - 20);
    expect(row('steps.overhead').cells.sidecar!.summary!.p50).toBe(440 - 20);
  });

  it('leaves failed runs out and counts them', () => {
    expect(row('matrix.throughput').cells.sidecar).toMatchObject({ runs: 2, failed: 1, summary: { n: 1, p50: 20 } });
    expect(summary.failures).toEqual([{ scenario: 'matrix', strategy: 'sidecar', repetition: 2, error: expect.stringContaining('pod <gone>') }]);
  });

  it('holds p50s to the goals of issues 4 and 5', () => {
    const goals = summary.targets.map((t) => `${t.strategy} ${t.metric.id} ${t.p50} ${t.met}`);
    expect(goals).toEqual([
      'exec steps.overhead 14 true',
      'sidecar steps.overhead 420 true',
      'exec job-start.latency 1600 true',
      'sidecar job-start.latency 1700 true',
      'exec rss.peak 121.5 true',
      'sidecar rss.peak 130 true',
    ]);
  });

  it('keeps every log check, the bad ones included', () => {
    expect(summary.logChecks.map((c) => `${c.strategy}${c.repetition}:${c.check.ok}`)).toEqual(['exec1:true', 'sidecar1:true', 'exec2:true', 'sidecar2:false']);
  });

  it('has no overhead without a baseline', () => {
    const results = { ...benchFixture(), rawExec: [] };
    expect(summarizeBench(results).rows.find((r) => r.metric.id === 'steps.overhead')!.cells.exec!.summary).toBeUndefined();
  });
});
