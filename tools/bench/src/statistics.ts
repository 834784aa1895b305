/** The figures a table row shows for one set of samples. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/**
 * The p-th percentile (0–100) by linear interpolation between the two nearest ranks (numpy's
 * default, Excel's PERCENTILE.INC): p50 of [1, 2, 3, 4] is 2.5, p95 of one sample is that sample.
 * NaN for no samples.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p}: must be between 0 and 100`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const weight = rank - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * weight;
}

/** p50, p95 and the range of the samples; undefined when there are none. */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((sum, v) => sum + v, 0) / values.length,
  };
}

/** Two decimals: what the results keep of a figure (0.01 ms is below anything measured). */
export const round2 = (n: number) => Math.round(n * 100) / 100;
