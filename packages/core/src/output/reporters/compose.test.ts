import { describe, expect, it } from 'vitest';
import type { RunEvents } from '../../run/run-events.js';
import { composeReporters } from './compose.js';
import { job, step } from './fixtures.js';

describe('composeReporters', () => {
  it('passes each event to every reporter that listens to it, in order', () => {
    const seen: string[] = [];
    const a: RunEvents = { jobStarted: (j) => seen.push(`a:${j.name}`), stepLog: (_j, _s, line) => seen.push(`a:${line}`) };
    const b: RunEvents = { stepLog: (_j, _s, line) => seen.push(`b:${line}`) };
    const all = composeReporters(a, b);
    all.jobStarted?.(job);
    all.stepLog?.(job, step, 'hi');
    expect(seen).toEqual(['a:build', 'a:hi', 'b:hi']);
    expect(all.runFinished).toBeUndefined();
  });

  it('still reaches the other reporters when one throws, then reports the error', () => {
    const seen: string[] = [];
    const broken: RunEvents = { runFinished: () => { throw new Error('disk full'); } };
    const fine: RunEvents = { runFinished: () => seen.push('fine') };
    const all = composeReporters(broken, fine);
    expect(() => all.runFinished?.({ runId: 'r', event: 'push', strategy: 'exec', startedAt: '', durationMs: 0, result: 'success', jobs: [] })).toThrow('disk full');
    expect(seen).toEqual(['fine']);
  });
});
