/**
 * The workflows the scenarios run, generated as YAML text. Everything runs on `ubuntu-latest`
 * (kact's runner image, already on the node), with no checkout and no remote actions, so what is
 * measured is kact and its strategy, not the network.
 */

/** What the log scenario prints: 50 MiB of `x` in lines of 100, each line ending in a newline. */
export const LOG_SHAPE = { bytes: 50 * 1024 * 1024, width: 100 } as const;

/** How many of each the scenarios run. */
export const SIZES = {
  /** Trivial steps in the per-step overhead job. */
  steps: 50,
  /** Back-to-back steps of the jobs held to exec's pace (sidecar's slots must keep up). */
  backToBack: [30, 100],
  /** Job legs started one after another for job-start latency (and bare pods started beside them). */
  jobStarts: 5,
  matrixLegs: 10,
  rssLegs: 20,
  envVars: 500,
  /** Steps carrying the 500 variables (one sample each). */
  envSteps: 5,
  /** Spawns of each `cli` command per repetition (after one unmeasured warm-up of each). */
  cliSpawns: 10,
  /** The matrix `kact run` is timed on against act: legs, and short steps in each. */
  runMatrix: { legs: 6, steps: 3 },
} as const;

/** Bytes the log step writes, newlines included: the count the delivered bytes must match. */
export function printedLogBytes(shape: { bytes: number; width: number } = LOG_SHAPE): number {
  return shape.bytes + Math.ceil(shape.bytes / shape.width);
}

const header = (name: string) => [`name: bench-${name}`, 'on: push', 'jobs:'];

/** A matrix job of `legs` legs, `steps` short steps each. */
function matrixJob(id: string, legs: number, options: { maxParallel?: number; steps?: number } = {}): string[] {
  const { maxParallel, steps = 1 } = options;
  return [
    `  ${id}:`,
    '    runs-on: ubuntu-latest',
    '    strategy:',
    '      fail-fast: false',
    ...(maxParallel ? [`      max-parallel: ${maxParallel}`] : []),
    '      matrix:',
    `        leg: [${Array.from({ length: legs }, (_, i) => i + 1).join(', ')}]`,
    '    steps:',
    ...Array.from({ length: steps }, (_, i) => `      - run: echo "leg \${{ matrix.leg }}${steps > 1 ? `, step ${i + 1}` : ''}"`),
  ];
}

/** `steps` and `steps-N`: one job of N trivial steps. */
export function stepsWorkflow(count: number = SIZES.steps): string {
  const steps = Array.from({ length: count }, () => "      - run: 'true'");
  return [...header('steps'), '  steps:', '    runs-on: ubuntu-latest', '    steps:', ...steps, ''].join('\n');
}

/** `job-start`: legs of one trivial step, one at a time, so every pod starts on a quiet node. */
export function jobStartWorkflow(legs: number = SIZES.jobStarts): string {
  return [...header('job-start'), ...matrixJob('start', legs, { maxParallel: 1 }), ''].join('\n');
}

/** `matrix`, `rss-20` and `run-matrix-6`: a matrix of short legs, as many at once as --concurrent-jobs allows. */
export function matrixWorkflow(name: string, legs: number, steps = 1): string {
  return [...header(name), ...matrixJob('matrix', legs, { steps }), ''].join('\n');
}

/** `log-50mb`: one step printing the log shape; the final `echo` ends the last line. */
export function logWorkflow(shape: { bytes: number; width: number } = LOG_SHAPE): string {
  return [
    ...header('log'),
    '  log:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: |',
    `          head -c ${shape.bytes} /dev/zero | tr '\\0' 'x' | fold -w ${shape.width}; echo`,
    '',
  ].join('\n');
}

/** The variables of the env scenario: BENCH_VAR_001 … with 40-odd character values. */
export function benchVariables(count: number = SIZES.envVars): Record<string, string> {
  const name = (i: number) => `BENCH_VAR_${String(i).padStart(3, '0')}`;
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [name(i + 1), `value-${i + 1}-${'v'.repeat(32)}`]));
}

/** `env-500`: steps each carrying the variables in their own `env:`, checking the last arrived. */
export function envWorkflow(count: number = SIZES.envVars, steps: number = SIZES.envSteps): string {
  const vars = benchVariables(count);
  const names = Object.keys(vars);
  const last = names[names.length - 1]!;
  const env = Object.entries(vars).map(([k, v]) => `          ${k}: ${v}`);
  const step = ['      - env:', ...env, `        run: test "$${last}" = "${vars[last]}"`];
  return [...header('env'), '  env:', '    runs-on: ubuntu-latest', '    steps:', ...Array.from({ length: steps }, () => step).flat(), ''].join('\n');
}
