import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_PATHS, type ContainerStepRequest, type JobPod } from '@kact/core';
import { execFileCommands, clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, runContainerStep, StepContainerError, StepContainers } from '../src/index.js';

const cluster = await clusterForTests('container step cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;
const RUNNER = 'kact.local/runner:trixie';
const FC = `${POD_PATHS.temp}/_runner_file_commands`;

describe.skipIf(!cluster)('container steps (ephemeral containers) on the local cluster', () => {
  const connection = cluster!;
  const transport = new KubeExecTransport(connection);
  const backend = new KubernetesJobBackend(connection, transport, { startTimeoutMs: 60_000 });
  const containers = new StepContainers(connection, { stopGraceSeconds: 2 });
  const files = execFileCommands(transport);
  let pod: JobPod;
  let n = 0;

  beforeAll(async () => {
    pod = await backend.startJob(
      { runId, name: `kact-${runId}-steps`, labels: { [LABELS.job]: 'steps' }, main: { name: 'runner', image: RUNNER, env: {}, keepAlive: true }, services: [], extra: [], secrets: {} },
      new AbortController().signal,
    );
  }, 90_000);
  afterAll(async () => {
    expect(await endTestJob(connection, backend, pod, runId)).toEqual([]);
  }, 60_000);

  const run = async (request: Partial<ContainerStepRequest>, signal = new AbortController().signal) => {
    let out = '';
    const id = n++;
    const full: ContainerStepRequest = {
      name: `step-${id}`,
      image: RUNNER,
      args: [],
      env: {},
      workingDirectory: POD_PATHS.workspace,
      fileCommands: { GITHUB_OUTPUT: `${FC}/set_output_${id}`, GITHUB_ENV: `${FC}/set_env_${id}` },
      ...request,
    };
    full.env = { ...full.env, GITHUB_OUTPUT: full.fileCommands['GITHUB_OUTPUT']!, GITHUB_ENV: full.fileCommands['GITHUB_ENV']! };
    const started = Date.now();
    const result = await runContainerStep(containers, files, pod, full, (chunk) => (out += chunk), signal);
    return { ...result, out, ms: Date.now() - started };
  };

  it('runs the image with its own entrypoint, INPUT_ env and GITHUB_OUTPUT, in the workspace', async () => {
    const secretish = `a "quoted" 'v' $(echo no) \`x\`\nline 2`;
    const r = await run({
      args: ['bash', '-c', 'printf "%s|" "$INPUT_WHO" "$PWD"; echo "greeting=hi $INPUT_WHO" >> "$GITHUB_OUTPUT"; printf "M<<E\\n%s\\nE\\n" "$INPUT_MULTI" >> "$GITHUB_ENV"; exit 3'],
      env: { INPUT_WHO: 'kact', INPUT_MULTI: secretish, 'INPUT_WITH-DASH': 'd' },
    });
    expect(r.out).toBe(`kact|${POD_PATHS.workspace}|`);
    expect(r.exitCode).toBe(3);
    expect(r.fileCommands['GITHUB_OUTPUT']).toBe('greeting=hi kact\n');
    expect(r.fileCommands['GITHUB_ENV']).toBe(`M<<E\n${secretish}\nE\n`);
    console.log(`container step took ${r.ms} ms`);
    // The env went through a Secret: the pod spec holds no value, and the Secret is gone.
    const spec = await connection.core.readNamespacedPod({ name: pod.name, namespace: pod.namespace });
    const eph = spec.spec!.ephemeralContainers!.find((c) => c.name === 'step-0')!;
    expect(JSON.stringify(eph)).not.toContain('line 2');
    expect(eph.env ?? []).toEqual([]);
    expect(eph.envFrom?.[0]?.secretRef?.name).toBeDefined();
    await expect(connection.core.readNamespacedSecret({ name: eph.envFrom![0]!.secretRef!.name!, namespace: pod.namespace })).rejects.toThrow();
  });

  it('overrides the entrypoint', async () => {
    const r = await run({ entrypoint: ['/bin/sh'], args: ['-c', 'echo "from sh: $0 $INPUT_X"'], env: { INPUT_X: 'y' } });
    expect(r.out).toBe('from sh: /bin/sh y\n');
    expect(r.exitCode).toBe(0);
  });

  it('fails fast with the reason when the image is missing', async () => {
    const started = Date.now();
    const error = await run({ image: 'kact.local/no-such-image:never' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepContainerError);
    expect(String(error)).toMatch(/no-such-image.*(ErrImagePull|ErrImageNeverPull|ImagePullBackOff)/s);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops a container that exceeds its timeout', async () => {
    const started = Date.now();
    const r = await run({ args: ['bash', '-c', 'echo start; sleep 300'], timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toBe('start\n');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops a container that ignores SIGTERM, and resolves a cancelled one with 130', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const r = await run({ args: ['bash', '-c', 'trap "" TERM; echo start; while :; do sleep 1; done'] }, controller.signal);
    expect(r.exitCode).toBe(130);
    expect(r.out).toBe('start\n');
  });
});
