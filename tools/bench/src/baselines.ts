import type { BenchResults } from './bench-run.js';

/**
 * The floors kact's figures are compared with, measured on the same cluster in the same bench
 * without kact in the way: `raw-exec` (an `exec true` round-trip into a running pod, under the
 * per-step figures) and `bare-pod` (a bare pod created, Running and exec'd into, under job start).
 */
export const BASELINE_NAMES = ['raw-exec', 'bare-pod'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** What one measurement of a baseline gives: milliseconds per sample, and what failed (left out). */
export interface BaselineResult {
  samples: number[];
  failures: string[];
}

/** One measurement of a baseline in the results (one per repetition, or one per run it precedes). */
export interface BaselineSamples {
  repetition: number;
  runId: string;
  /** The strategy whose run it was measured just before, when it is measured before each run. */
  before?: string;
  samples: number[];
  failures: string[];
  /** Why the whole measurement failed (none of its samples were taken). */
  error?: string;
}

export interface BaselineInfo {
  /** What a person watching reads: `raw exec`. */
  name: string;
  /** What one sample is, plural: `round-trips`. */
  samples: string;
  /** The note's opening, before `, N samples): p50 …`. */
  describe: string;
  /** How the metrics derived from it are computed, for the note. */
  derived: string;
  /** Where its samples are in the results. */
  of(results: BenchResults): BaselineSamples[];
}

export const BASELINES: Record<BaselineName, BaselineInfo> = {
  'raw-exec': {
    name: 'raw exec',
    samples: 'round-trips',
    describe: 'Raw exec round-trip (`exec true` into a running runner container',
    derived: 'Overhead = step duration − raw p50.',
    of: (results) => results.rawExec,
  },
  'bare-pod': {
    name: 'bare pod',
    samples: 'pod starts',
    describe: 'Bare pod start (create a one-container pod of the runner image, `sleep infinity`, watch it to Running, one `exec true` into it; no kact',
    derived: 'Job start over a bare pod = job start − bare pod p50.',
    // Results written before the bare pod existed have none.
    of: (results) => results.barePod ?? [],
  },
};
