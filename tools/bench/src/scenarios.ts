import type { JobResult, RunResult } from '@kact/core';
import { InputError } from '@kact/model';
import type { RssReading } from './rss-sampler.js';
import type { LogCheck, SilentEvents } from './silent-events.js';
import { envWorkflow, jobStartWorkflow, LOG_SHAPE, logWorkflow, matrixWorkflow, printedLogBytes, SIZES, stepsWorkflow } from './workflows.js';

/** The scenarios that run workflows on the cluster, under each strategy. */
export const CLUSTER_SCENARIO_NAMES = ['steps', 'job-start', 'matrix', 'rss-20', 'env-500', 'log-50mb'] as const;
export type ClusterScenarioName = (typeof CLUSTER_SCENARIO_NAMES)[number];

/** Every scenario: the cluster's, then `cli` (kact's own start, spawned here: no cluster, no strategy; see cli-start.ts). */
export const SCENARIO_NAMES = [...CLUSTER_SCENARIO_NAMES, 'cli'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Whether the scenario runs on the cluster (every one but `cli`). */
export const needsCluster = (name: ScenarioName): name is ClusterScenarioName => name !== 'cli';

export type Unit = 'ms' | 's' | 'MiB/s' | 'legs/min' | 'MiB';

/** One figure the table and chart show per strategy. */
export interface Metric {
  id: string;
  scenario: ScenarioName;
  label: string;
  unit: Unit;
  better: 'lower' | 'higher';
  /** The goal the p50 is held to, by strategy name (`*`: every strategy). */
  targets?: Record<string, number>;
}

/** What one run of a scenario left to measure. */
export interface Observation {
  result: RunResult;
  events: SilentEvents;
  rss?: RssReading;
}

export interface Measured {
  /** Metric id → samples. */
  values: Record<string, number[]>;
  log?: LogCheck;
}

export interface Scenario {
  name: ClusterScenarioName;
  /** One line for the results' notes. */
  description: string;
  workflow(): string;
  /** Sample kact's RSS while it runs. */
  sampleRss?: boolean;
  /** The run's own `--concurrent-jobs`, when the scenario needs one (default: the bench's). */
  concurrentJobs?: number;
  metrics: Metric[];
  measure(observation: Observation): Measured;
}

/** The overhead metric is derived from `steps.step` and the raw exec baseline (see summary). */
export const OVERHEAD_METRIC: Metric = {
  id: 'steps.overhead',
  scenario: 'steps',
  label: 'per-step overhead over raw exec',
  unit: 'ms',
  better: 'lower',
  targets: { exec: 50, sidecar: 600 },
};

const mainSteps = (jobs: JobResult[]) => jobs.flatMap((j) => j.steps.filter((s) => s.stage === 'main'));
const MiB = 1024 * 1024;

export const SCENARIOS: Record<ClusterScenarioName, Scenario> = {
  steps: {
    name: 'steps',
    description: `one job of ${SIZES.steps} \`run: true\` steps: each step's duration; overhead = step p50 − raw exec round-trip p50`,
    workflow: () => stepsWorkflow(),
    metrics: [{ id: 'steps.step', scenario: 'steps', label: 'per-step duration', unit: 'ms', better: 'lower' }, OVERHEAD_METRIC],
    measure: ({ result }) => ({ values: { 'steps.step': mainSteps(result.jobs).map((s) => s.durationMs) } }),
  },
  'job-start': {
    name: 'job-start',
    description: `${SIZES.jobStarts} one-step jobs one after another: job started (pod created) → first step running, images present`,
    workflow: () => jobStartWorkflow(),
    metrics: [{ id: 'job-start.latency', scenario: 'job-start', label: 'job start → first step', unit: 'ms', better: 'lower', targets: { '*': 2000 } }],
    measure: ({ result }) => ({
      values: {
        'job-start.latency': result.jobs.flatMap((j) => {
          const first = j.steps[0]?.startedAt;
          return j.startedAt && first ? [Date.parse(first) - Date.parse(j.startedAt)] : [];
        }),
      },
    }),
  },
  matrix: {
    name: 'matrix',
    description: `a ${SIZES.matrixLegs}-leg matrix of one short step each, --concurrent-jobs at the bench's value`,
    workflow: () => matrixWorkflow('matrix', SIZES.matrixLegs),
    metrics: [
      { id: 'matrix.throughput', scenario: 'matrix', label: 'matrix throughput', unit: 'legs/min', better: 'higher' },
      { id: 'matrix.wall', scenario: 'matrix', label: 'matrix wall time', unit: 's', better: 'lower' },
    ],
    measure: ({ result }) => ({
      values: {
        'matrix.throughput': [(result.jobs.length * 60_000) / result.durationMs],
        'matrix.wall': [result.durationMs / 1000],
      },
    }),
  },
  'rss-20': {
    name: 'rss-20',
    description: `a ${SIZES.rssLegs}-leg matrix while kact's RSS is sampled every 100 ms`,
    workflow: () => matrixWorkflow('rss', SIZES.rssLegs),
    sampleRss: true,
    metrics: [{ id: 'rss.peak', scenario: 'rss-20', label: `kact peak RSS, ${SIZES.rssLegs}-leg matrix`, unit: 'MiB', better: 'lower', targets: { '*': 200 } }],
    measure: ({ rss }) => ({ values: { 'rss.peak': rss ? [rss.peakMiB] : [] } }),
  },
  'env-500': {
    name: 'env-500',
    description: `${SIZES.envSteps} steps, each with ${SIZES.envVars} variables in its \`env:\`: each step's duration`,
    workflow: () => envWorkflow(),
    metrics: [{ id: 'env.step', scenario: 'env-500', label: `step with ${SIZES.envVars} env vars`, unit: 'ms', better: 'lower' }],
    measure: ({ result }) => ({ values: { 'env.step': mainSteps(result.jobs).map((s) => s.durationMs) } }),
  },
  'log-50mb': {
    name: 'log-50mb',
    description: `one step printing ${LOG_SHAPE.bytes / MiB} MiB in lines of ${LOG_SHAPE.width}: MiB/s over the step's duration, and every byte counted`,
    workflow: () => logWorkflow(),
    metrics: [{ id: 'log.throughput', scenario: 'log-50mb', label: 'log throughput', unit: 'MiB/s', better: 'higher' }],
    measure: ({ result, events }) => {
      const step = mainSteps(result.jobs)[0];
      return {
        values: { 'log.throughput': step && step.durationMs > 0 ? [LOG_SHAPE.bytes / MiB / (step.durationMs / 1000)] : [] },
        log: events.check(printedLogBytes(), Math.ceil(LOG_SHAPE.bytes / LOG_SHAPE.width)),
      };
    },
  },
};

/** Every metric of the given cluster scenarios, in table order (`cli`'s are in cli-start.ts). */
export function metricsOf(scenarios: readonly ScenarioName[]): Metric[] {
  return CLUSTER_SCENARIO_NAMES.filter((name) => scenarios.includes(name)).flatMap((name) => SCENARIOS[name].metrics);
}

/** Parses `--scenarios a,b`; rejects unknown names with the list of known ones. */
export function parseScenarios(list: string | undefined): ScenarioName[] {
  if (!list) return [...SCENARIO_NAMES];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SCENARIO_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw InputError.at(`--scenarios: unknown ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})`);
  return SCENARIO_NAMES.filter((n) => names.includes(n));
}
