import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './statistics.js';

describe('percentile', () => {
  it('interpolates between the nearest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 50)).toBe(30);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
  });

  it('does not depend on the order of the samples', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([100, 1, 2, 3, 4, 5, 6, 7, 8, 9], 95)).toBeCloseTo(9 + 0.55 * 91);
  });

  it('gives the extremes at 0 and 100 and the sample itself for one sample', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(percentile([7], 95)).toBe(7);
  });

  it('is NaN for no samples and rejects a percentile outside 0–100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('leaves the input alone', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports count, p50, p95, range and mean', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(values)).toEqual({ n: 100, p50: 50.5, p95: 95.05, min: 1, max: 100, mean: 50.5 });
  });

  it('is undefined for no samples', () => {
    expect(summarize([])).toBeUndefined();
  });
});
