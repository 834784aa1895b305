import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { TOKENS, type StepStrategy, type StepStrategyDecorator } from '@kact/core';
import { decoratorsOf, LocalPods, runWorkflowLocally } from './index.js';

const workflow = {
  '.github/workflows/ci.yml': `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: hello
        run: echo "hello from $GITHUB_WORKSPACE"
      - id: sum
        run: echo "n=$((20 + 22))" >> "$GITHUB_OUTPUT"
`,
};

/** A decorator as a plugin writes one: times each process and reports it as a notice. */
const timed: StepStrategyDecorator = (inner) => ({
  name: `timed(${inner.name})`,
  async runProcess(pod, request, output, signal) {
    const started = Date.now();
    const result = await inner.runProcess(pod, request, output, signal);
    output(`::notice title=timing::${inner.name} ran ${request.command[0]} in ${Date.now() - started} ms\n`);
    return result;
  },
  runContainer: (pod, request, output, signal) => inner.runContainer(pod, request, output, signal),
});

/** Names itself after its inner strategy and records the processes it passes on: `<inner> <argv[0]>`. */
const counting = (seen: string[]): StepStrategyDecorator => (inner) => ({
  name: `counted(${inner.name})`,
  runProcess: (pod, request, output, signal) => (seen.push(`${inner.name} ${request.command[0]}`), inner.runProcess(pod, request, output, signal)),
  runContainer: (pod, request, output, signal) => inner.runContainer(pod, request, output, signal),
});

describe('runWorkflowLocally', () => {
  it('runs a workflow through a decorator: its annotations reach the steps, the steps still work', async () => {
    const r = await runWorkflowLocally(workflow, { decorate: timed });
    expect(r.result.result).toBe('success');
    expect(r.result.strategy).toBe('timed(local-test)');
    expect(r.logs.some((l) => /^build \| Run echo "hello from \$GITHUB_WORKSPACE" \| hello from \/.+\/github\/workspace$/.test(l))).toBe(true);
    expect(r.step('build', 'sum').outputs).toEqual({ n: '42' });
    for (const id of ['hello', 'sum']) {
      expect(r.step('build', id).annotations).toEqual([{ level: 'notice', title: 'timing', message: expect.stringMatching(/^local-test ran bash in \d+ ms$/) }]);
    }
    // The pod is gone after the job, whatever the decorator did.
    expect(r.pods.roots.size).toBe(0);
  });

  it('stacks several decorators in order, the first innermost, as kact stacks plugins', async () => {
    const seen: string[] = [];
    const r = await runWorkflowLocally(workflow, { decorate: [timed, counting(seen)] });
    expect(r.result.strategy).toBe('counted(timed(local-test))');
    expect(r.strategy.name).toBe('counted(timed(local-test))');
    // Every process passes both: the job's probe of its container (`sh -c …`), then a bash per step.
    expect(seen).toEqual(['timed(local-test) sh', 'timed(local-test) bash', 'timed(local-test) bash']);
  });

  it("runs on the LocalPods given, and a decorator's failure is the step's", async () => {
    const pods = new LocalPods();
    const failing: StepStrategyDecorator = (inner): StepStrategy => ({
      name: 'failing',
      runProcess: async (pod, request, output, signal) => ({ ...(await inner.runProcess(pod, request, output, signal)), exitCode: 3 }),
      runContainer: (pod, request, output, signal) => inner.runContainer(pod, request, output, signal),
    });
    const r = await runWorkflowLocally(workflow, { pods, decorate: failing });
    expect(r.pods).toBe(pods);
    expect(pods.started.map((p) => p.main.image)).toEqual(['local']);
    expect(r.result.result).toBe('failure');
    expect(r.step('build', 'hello').outcome).toBe('failure');
    expect(r.step('build', 'sum').outcome).toBe('skipped');
  });
});

describe('decoratorsOf', () => {
  it("returns the decorators a plugin's module binds, in bind order, ready for runWorkflowLocally", async () => {
    const seen: string[] = [];
    const plugin = new ContainerModule(({ bind }) => {
      bind(TOKENS.StepStrategyDecorator).toConstantValue(timed);
      bind(TOKENS.StepStrategyDecorator).toConstantValue(counting(seen));
    });
    const decorators = await decoratorsOf(plugin);
    expect(decorators).toEqual([timed, expect.any(Function)]);
    const r = await runWorkflowLocally(workflow, { decorate: decorators });
    expect(r.result.strategy).toBe('counted(timed(local-test))');
    expect(seen.filter((s) => s === 'timed(local-test) bash')).toHaveLength(2);
  });

  it('is empty for a module that binds none', async () => {
    expect(await decoratorsOf(new ContainerModule(() => undefined))).toEqual([]);
  });
});
