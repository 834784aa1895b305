import type { JobResult, RunResult } from '@kact/core';
import { InputError } from '@kact/model';
import type { BaselineName } from './baselines.js';
import { PEAK_RSS_INTERVAL_MS } from './peak-rss.js';
import type { LogCheck, SilentEvents } from './silent-events.js';
import { envWorkflow, jobStartWorkflow, LOG_SHAPE, logWorkflow, matrixWorkflow, printedLogBytes, SIZES, stepsWorkflow } from './workflows.js';

/** The scenarios that run workflows on the cluster, under each strategy. */
export const CLUSTER_SCENARIO_NAMES = ['steps', 'steps-30', 'steps-100', 'job-start', 'matrix', 'rss-20', 'env-500', 'log-50mb', 'run-hello', 'run-matrix-6'] as const;
export type ClusterScenarioName = (typeof CLUSTER_SCENARIO_NAMES)[number];

/** Every scenario: the cluster's, then `cli` (kact's own start, spawned here: no cluster, no strategy; see cli-start.ts). */
export const SCENARIO_NAMES = [...CLUSTER_SCENARIO_NAMES, 'cli'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Whether the scenario runs on the cluster (every one but `cli`). */
export const needsCluster = (name: ScenarioName): name is ClusterScenarioName => name !== 'cli';

export type Unit = 'ms' | 's' | 'MiB/s' | 'legs/min' | 'MiB';
export type Stat = 'p50' | 'p95';

/** A goal held against another strategy's figure measured in the same bench: `factor` × its `stat`. */
export interface RelativeTarget {
  stat: Stat;
  factor: number;
  /** The strategy it is measured against. */
  of: string;
}

/** A figure measured elsewhere, not by this bench, shown beside its own. */
export interface Reference {
  /** Who it is of: `act`. */
  name: string;
  value: number;
  /** In brackets after the name: when and how it was measured. */
  note: string;
  /** How it was measured, at length, for the results' notes. */
  detail: string;
}

/** One figure the table and chart show per strategy. */
export interface Metric {
  id: string;
  scenario: ScenarioName;
  label: string;
  unit: Unit;
  better: 'lower' | 'higher';
  /** The goal the p50 is held to, by strategy name (`*`: every strategy). */
  targets?: Record<string, number>;
  /** Goals relative to another strategy, by the strategy held to them (`*`: every other strategy). */
  relativeTargets?: Record<string, RelativeTarget>;
  /** Not sampled itself: another metric's samples less a baseline's p50 (see summary). */
  derivedFrom?: { metric: string; baseline: BaselineName };
  reference?: Reference;
}

/** What one run of a scenario left to measure. */
export interface Observation {
  result: RunResult;
  events: SilentEvents;
}

export interface Measured {
  /** Metric id → samples. */
  values: Record<string, number[]>;
  log?: LogCheck;
}

interface ScenarioBase {
  name: ClusterScenarioName;
  /** One line for the results' notes. */
  description: string;
  metrics: Metric[];
  /**
   * A floor measured beside the scenario in every repetition: once before its runs (with the
   * first strategy's pod) or before each strategy's run, so both see the same machine.
   */
  baseline?: { name: BaselineName; before: 'scenario' | 'each-run' };
}

/** A generated workflow run by kact inside the bench's process (`runPlan`), reported to a silent sink. */
export interface PlanScenario extends ScenarioBase {
  kind: 'plan';
  workflow(): string;
  /** The run's own `--concurrent-jobs`, when the scenario needs one (default: the bench's). */
  concurrentJobs?: number;
  measure(observation: Observation): Measured;
}

/** What a spawned `kact run` is measured by: its wall time in seconds, or its peak resident set size in MiB. */
export type KactRunMeasure = 'wall' | 'peak-rss';

/** How each measure is taken, for the results' notes. */
export const KACT_RUN_MEASURES: Record<KactRunMeasure, string> = {
  wall: 'wall time from spawn to exit',
  'peak-rss': `the kact process's peak resident set size: VmHWM of /proc/<pid>/status, read every ${PEAK_RSS_INTERVAL_MS} ms until it exits`,
};

/** `kact run` spawned as a user types it, on a git repository of its own: one figure of the whole process. */
export interface KactRunScenario extends ScenarioBase {
  kind: 'kact-run';
  /** kact's examples/hello, copied; or a generated workflow. */
  repo: { example: true } | { workflow(): string };
  /** Jobs (legs) that must succeed for the run to count: fewer means the repository ran short. */
  jobs: number;
  measures: KactRunMeasure;
  /** The one metric `measures` fills. */
  metrics: [Metric];
}

export type Scenario = PlanScenario | KactRunScenario;

/** Per-step overhead: `steps.step` less the raw exec baseline's p50. */
export const OVERHEAD_METRIC: Metric = {
  id: 'steps.overhead',
  scenario: 'steps',
  label: 'per-step overhead over raw exec',
  unit: 'ms',
  better: 'lower',
  targets: { exec: 50, sidecar: 600 },
  derivedFrom: { metric: 'steps.step', baseline: 'raw-exec' },
};

/** What kact's job start adds to a bare pod's: `job-start.latency` less the bare pod baseline's p50 (issue 15). */
export const JOB_START_OVERHEAD_METRIC: Metric = {
  id: 'job-start.overhead',
  scenario: 'job-start',
  label: 'job start over a bare pod',
  unit: 'ms',
  better: 'lower',
  targets: { exec: 150, sidecar: 300 },
  derivedFrom: { metric: 'job-start.latency', baseline: 'bare-pod' },
};

/** act's figures for the `run-*` scenarios' workflows (issue 15), measured once by hand. */
const ACT = {
  note: 'reference, measured 2026-11, not by this bench',
  detail: (kactThen: number) =>
    `act's Docker backend, the same runner image, whole-command wall time over 7 interleaved rounds on this machine; kact measured the same way then: ${kactThen} s`,
};

const mainSteps = (jobs: JobResult[]) => jobs.flatMap((j) => j.steps.filter((s) => s.stage === 'main'));
const stepDurations = (result: RunResult) => mainSteps(result.jobs).map((s) => s.durationMs);
const MiB = 1024 * 1024;

/**
 * `steps-N`: N back-to-back steps, where sidecar must keep up with exec: its per-step p95 within
 * 2× exec's (no step waiting for a container) and the whole job within 1.2× exec's (issue 15).
 */
function backToBackScenario(name: 'steps-30' | 'steps-100', count: number): PlanScenario {
  const vsExec = (stat: 'p50' | 'p95', factor: number) => ({ sidecar: { stat, factor, of: 'exec' } });
  return {
    kind: 'plan',
    name,
    description: `one job of ${count} \`run: true\` steps back to back: each step's duration and the job's`,
    workflow: () => stepsWorkflow(count),
    metrics: [
      { id: `${name}.step`, scenario: name, label: `per-step duration, ${count} steps`, unit: 'ms', better: 'lower', relativeTargets: vsExec('p95', 2) },
      { id: `${name}.job`, scenario: name, label: `job duration, ${count} steps`, unit: 's', better: 'lower', relativeTargets: vsExec('p50', 1.2) },
    ],
    measure: ({ result }) => ({ values: { [`${name}.step`]: stepDurations(result), [`${name}.job`]: result.jobs.map((j) => j.durationMs / 1000) } }),
  };
}

/** `run-*`: a whole `kact run`'s wall time, held to act's for the same workflow (issue 15). */
function kactRunScenario(name: 'run-hello' | 'run-matrix-6', what: string, repo: KactRunScenario['repo'], jobs: number, act: { seconds: number; kactThen: number }): KactRunScenario {
  return {
    kind: 'kact-run',
    name,
    description: `\`kact run --strategy <s>\` on ${what}, spawned: whole-command wall time, against act's`,
    repo,
    jobs,
    measures: 'wall',
    metrics: [
      {
        id: `${name}.wall`,
        scenario: name,
        label: `kact run, ${what}`,
        unit: 's',
        better: 'lower',
        targets: { '*': act.seconds },
        reference: { name: 'act', value: act.seconds, note: ACT.note, detail: ACT.detail(act.kactThen) },
      },
    ],
  };
}

export const SCENARIOS: Record<ClusterScenarioName, Scenario> = {
  steps: {
    kind: 'plan',
    name: 'steps',
    description: `one job of ${SIZES.steps} \`run: true\` steps: each step's duration; overhead = step p50 − raw exec round-trip p50`,
    workflow: () => stepsWorkflow(),
    baseline: { name: 'raw-exec', before: 'scenario' },
    metrics: [{ id: 'steps.step', scenario: 'steps', label: 'per-step duration', unit: 'ms', better: 'lower' }, OVERHEAD_METRIC],
    measure: ({ result }) => ({ values: { 'steps.step': stepDurations(result) } }),
  },
  'steps-30': backToBackScenario('steps-30', SIZES.backToBack[0]),
  'steps-100': backToBackScenario('steps-100', SIZES.backToBack[1]),
  'job-start': {
    kind: 'plan',
    name: 'job-start',
    description: `${SIZES.jobStarts} one-step jobs one after another: job started (pod created) → first step running, images present; against ${SIZES.jobStarts} bare pods started before each strategy's run`,
    workflow: () => jobStartWorkflow(),
    baseline: { name: 'bare-pod', before: 'each-run' },
    metrics: [{ id: 'job-start.latency', scenario: 'job-start', label: 'job start → first step', unit: 'ms', better: 'lower', targets: { '*': 2000 } }, JOB_START_OVERHEAD_METRIC],
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
    kind: 'plan',
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
  // A process of its own: the bench's, running the scenarios before it, holds far more than one `kact run`.
  'rss-20': {
    kind: 'kact-run',
    name: 'rss-20',
    description: `\`kact run --strategy <s>\` on a ${SIZES.rssLegs}-leg matrix, spawned: its peak resident set size (VmHWM, read every ${PEAK_RSS_INTERVAL_MS} ms)`,
    repo: { workflow: () => matrixWorkflow('rss', SIZES.rssLegs) },
    jobs: SIZES.rssLegs,
    measures: 'peak-rss',
    metrics: [{ id: 'rss.peak', scenario: 'rss-20', label: `kact peak RSS, ${SIZES.rssLegs}-leg matrix`, unit: 'MiB', better: 'lower', targets: { '*': 200 } }],
  },
  'env-500': {
    kind: 'plan',
    name: 'env-500',
    description: `${SIZES.envSteps} steps, each with ${SIZES.envVars} variables in its \`env:\`: each step's duration`,
    workflow: () => envWorkflow(),
    metrics: [{ id: 'env.step', scenario: 'env-500', label: `step with ${SIZES.envVars} env vars`, unit: 'ms', better: 'lower' }],
    measure: ({ result }) => ({ values: { 'env.step': stepDurations(result) } }),
  },
  'log-50mb': {
    kind: 'plan',
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
  // examples/hello: build, test (a redis service, a local composite action), deploy (on main).
  'run-hello': kactRunScenario('run-hello', 'examples/hello', { example: true }, 3, { seconds: 3.99, kactThen: 6.62 }),
  'run-matrix-6': kactRunScenario(
    'run-matrix-6',
    `a ${SIZES.runMatrix.legs}-leg matrix of ${SIZES.runMatrix.steps} steps`,
    { workflow: () => matrixWorkflow('run-matrix', SIZES.runMatrix.legs, SIZES.runMatrix.steps) },
    SIZES.runMatrix.legs,
    { seconds: 4.64, kactThen: 6.42 },
  ),
};

/** The scenario as run inside the bench (undefined for a spawned `kact run`). */
export function planScenario(name: ClusterScenarioName): PlanScenario | undefined {
  const scenario = SCENARIOS[name];
  return scenario.kind === 'plan' ? scenario : undefined;
}

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
