import { describe, expect, it } from 'vitest';
import type { JobResult, RunResult, StepResult } from '@kact/core';
import { isInputError } from '@kact/model';
import { createScenarioRepo } from './scenario-repo.js';
import { CLUSTER_SCENARIO_NAMES, metricsOf, needsCluster, parseScenarios, planScenario, SCENARIO_NAMES, SCENARIOS } from './scenarios.js';
import { SilentEvents } from './silent-events.js';
import { benchVariables, LOG_SHAPE, logWorkflow, matrixWorkflow, printedLogBytes, SIZES, stepsWorkflow } from './workflows.js';

describe('scenario workflows', () => {
  it('load and plan as kact run would, with the sizes the issues ask for', async () => {
    const repo = await createScenarioRepo(CLUSTER_SCENARIO_NAMES);
    try {
      const job = (name: (typeof CLUSTER_SCENARIO_NAMES)[number]) => {
        const planned = repo.plans.get(name)!;
        expect(planned.jobs).toHaveLength(1);
        return planned.jobs[0]!;
      };
      const legs = (name: (typeof CLUSTER_SCENARIO_NAMES)[number]) => job(name).legs as unknown[];

      const steps = job('steps').job;
      expect(steps.kind).toBe('steps');
      if (steps.kind !== 'steps') return;
      expect(steps.steps).toHaveLength(50);
      expect(steps.steps.every((s) => s.kind === 'run' && s.run === 'true')).toBe(true);
      for (const [name, count] of [['steps-30', 30], ['steps-100', 100]] as const) {
        const backToBack = job(name).job;
        if (backToBack.kind !== 'steps') throw new Error(`${name} is a steps job`);
        expect(backToBack.steps).toHaveLength(count);
      }
      // Spawned as `kact run` on repositories of their own (kact-run.ts), not planned here.
      for (const name of ['run-hello', 'run-matrix-6', 'rss-20'] as const) expect(repo.plans.has(name)).toBe(false);

      expect(legs('job-start')).toHaveLength(SIZES.jobStarts);
      expect(job('job-start').maxParallel).toBe(1);
      expect(legs('matrix')).toHaveLength(10);
      expect(job('matrix').maxParallel).toBeUndefined();
      expect((job('steps').legs as { runsOn?: { image?: string } }[])[0]?.runsOn?.image).toBe('kact.local/runner:trixie');

      const env = job('env-500').job;
      if (env.kind !== 'steps') throw new Error('env-500 is a steps job');
      expect(env.steps).toHaveLength(SIZES.envSteps);
      for (const s of env.steps) expect(Object.keys(s.env)).toHaveLength(500);
      expect(env.steps[0]!.env).toEqual(benchVariables(500));

      const log = job('log-50mb').job;
      if (log.kind !== 'steps' || log.steps[0]?.kind !== 'run') throw new Error('log-50mb is one run step');
      expect(log.steps[0].run).toContain("head -c 52428800 /dev/zero | tr '\\0' 'x' | fold -w 100; echo");
    } finally {
      await repo.remove();
    }
  });

  it('counts the printed log bytes with one newline per line', () => {
    expect(printedLogBytes()).toBe(52_428_800 + 524_288);
    expect(printedLogBytes({ bytes: 250, width: 100 })).toBe(253);
    expect(logWorkflow({ bytes: 10, width: 5 })).toContain('head -c 10 /dev/zero');
    expect(stepsWorkflow(3).match(/run: 'true'/g)).toHaveLength(3);
  });

  it("generates run-matrix-6's workflow: 6 legs of 3 echo steps, and the one-step matrices as before", () => {
    const scenario = SCENARIOS['run-matrix-6'];
    if (scenario.kind !== 'kact-run' || !('workflow' in scenario.repo)) throw new Error('run-matrix-6 runs a generated workflow');
    const text = scenario.repo.workflow();
    expect(text).toContain('        leg: [1, 2, 3, 4, 5, 6]');
    expect(text.match(/- run: echo "leg \$\{\{ matrix\.leg \}\}, step \d"/g)).toHaveLength(3);
    expect(matrixWorkflow('matrix', 2)).toContain('      - run: echo "leg ${{ matrix.leg }}"\n');
  });

  it("generates rss-20's workflow: 20 legs of one step, all of which must succeed", () => {
    const scenario = SCENARIOS['rss-20'];
    if (scenario.kind !== 'kact-run' || !('workflow' in scenario.repo)) throw new Error('rss-20 runs a generated workflow');
    expect(scenario.repo.workflow()).toContain(`        leg: [${Array.from({ length: 20 }, (_, i) => i + 1).join(', ')}]\n`);
    expect(scenario.jobs).toBe(20);
  });

  it('names variables so they sort and carry values long enough to matter', () => {
    const vars = benchVariables(500);
    expect(Object.keys(vars)[0]).toBe('BENCH_VAR_001');
    expect(Object.keys(vars)[499]).toBe('BENCH_VAR_500');
    expect(vars.BENCH_VAR_500!.length).toBeGreaterThan(40);
  });
});

describe('parseScenarios', () => {
  it('keeps the canonical order and defaults to every scenario', () => {
    expect(parseScenarios(undefined)).toEqual([...SCENARIO_NAMES]);
    expect(parseScenarios('log-50mb, steps')).toEqual(['steps', 'log-50mb']);
    expect(parseScenarios('cli,steps')).toEqual(['steps', 'cli']);
  });

  it('knows cli as the one scenario that needs no cluster, with no metric in the strategies table', () => {
    expect(SCENARIO_NAMES.filter((n) => !needsCluster(n))).toEqual(['cli']);
    expect([...CLUSTER_SCENARIO_NAMES]).toEqual(SCENARIO_NAMES.filter(needsCluster));
    expect(metricsOf(['cli'])).toEqual([]);
  });

  it('rejects unknown names as bad input, listing the known ones', () => {
    try {
      parseScenarios('steps,nope');
      expect.unreachable();
    } catch (err) {
      expect(isInputError(err)).toBe(true);
      expect((err as Error).message).toContain('unknown nope (known: steps, steps-30, steps-100, job-start');
    }
  });
});

const step = (index: number, durationMs: number, startedAt: string): StepResult => ({
  index,
  name: `Run ${index}`,
  stage: 'main',
  outcome: 'success',
  conclusion: 'success',
  outputs: {},
  startedAt,
  durationMs,
  annotations: [],
});

const job = (key: string, startedAt: string, steps: StepResult[]): JobResult => ({
  key,
  jobId: 'j',
  name: key,
  workflow: 'w.yml',
  matrix: {},
  result: 'success',
  outputs: {},
  steps,
  startedAt,
  durationMs: 1000,
  summary: '',
});

const run = (jobs: JobResult[], durationMs = 30_000): RunResult => ({ runId: 'r', event: 'push', strategy: 'exec', startedAt: '', durationMs, result: 'success', jobs });

describe('scenario measurements', () => {
  const events = new SilentEvents();

  it('steps: every main step duration; job-start: job start to its first step', () => {
    const pre = { ...step(0, 999, '2026-01-01T00:00:01.000Z'), stage: 'post' as const };
    const result = run([job('a', '2026-01-01T00:00:00.000Z', [step(0, 12, '2026-01-01T00:00:01.500Z'), step(1, 14, '2026-01-01T00:00:01.600Z'), pre])]);
    expect(planScenario('steps')!.measure({ result, events }).values).toEqual({ 'steps.step': [12, 14] });
    const starts = run([job('a', '2026-01-01T00:00:00.000Z', [step(0, 1, '2026-01-01T00:00:01.500Z')]), job('b', '2026-01-01T00:00:10.000Z', [step(0, 1, '2026-01-01T00:00:12.250Z')])]);
    expect(planScenario('job-start')!.measure({ result: starts, events }).values).toEqual({ 'job-start.latency': [1500, 2250] });
  });

  it('matrix: legs per minute and wall time from the run', () => {
    const legs = Array.from({ length: 10 }, (_, i) => job(`m${i}`, '2026-01-01T00:00:00.000Z', []));
    expect(planScenario('matrix')!.measure({ result: run(legs, 30_000), events }).values).toEqual({ 'matrix.throughput': [20], 'matrix.wall': [30] });
  });

  it('log-50mb: MiB/s over the step and the byte check', () => {
    const measured = planScenario('log-50mb')!.measure({ result: run([job('l', '2026-01-01T00:00:00.000Z', [step(0, 5000, '2026-01-01T00:00:01.000Z')])]), events: new SilentEvents() });
    expect(measured.values).toEqual({ 'log.throughput': [LOG_SHAPE.bytes / 1024 / 1024 / 5] });
    expect(measured.log).toMatchObject({ ok: false, printedBytes: printedLogBytes(), deliveredBytes: 0 });
  });

  it('steps-N: every main step duration and the job duration in seconds', () => {
    const result = run([{ ...job('a', '2026-01-01T00:00:00.000Z', [step(0, 12, '2026-01-01T00:00:01.500Z'), step(1, 14, '2026-01-01T00:00:01.600Z')]), durationMs: 4250 }]);
    expect(planScenario('steps-30')!.measure({ result, events }).values).toEqual({ 'steps-30.step': [12, 14], 'steps-30.job': [4.25] });
  });

  it('spawns kact for rss-20, its peak RSS held to 200 MiB under every strategy, and for run-*, their wall times', () => {
    expect(planScenario('rss-20')).toBeUndefined();
    const spawned = CLUSTER_SCENARIO_NAMES.flatMap((name) => {
      const scenario = SCENARIOS[name];
      return scenario.kind === 'kact-run' ? [`${name}: ${scenario.measures} → ${scenario.metrics.map((m) => `${m.id} ${m.unit} ${JSON.stringify(m.targets)}`).join()}`] : [];
    });
    expect(spawned).toEqual(['rss-20: peak-rss → rss.peak MiB {"*":200}', 'run-hello: wall → run-hello.wall s {"*":3.99}', 'run-matrix-6: wall → run-matrix-6.wall s {"*":4.64}']);
    expect(SCENARIOS['rss-20'].metrics[0]!.label).toBe('kact peak RSS, 20-leg matrix');
  });

  it('lists metrics in table order, with the derived overheads after what they are derived from', () => {
    expect(metricsOf(['log-50mb', 'job-start', 'steps']).map((m) => m.id)).toEqual(['steps.step', 'steps.overhead', 'job-start.latency', 'job-start.overhead', 'log.throughput']);
    expect(metricsOf(['run-matrix-6', 'steps-30']).map((m) => m.id)).toEqual(['steps-30.step', 'steps-30.job', 'run-matrix-6.wall']);
  });
});
