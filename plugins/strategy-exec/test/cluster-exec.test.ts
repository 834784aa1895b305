import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_PATHS, type JobPod, type ProcessRequest } from '@kact/core';
import { bashStepRequest, clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, type PodTransport } from '@kact/kubernetes';
import { ExecStepStrategy } from '../src/exec-step-strategy.js';

const cluster = await clusterForTests('exec strategy cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;
const FC = `${POD_PATHS.temp}/_runner_file_commands`;

/** Percentile of sorted numbers. */
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Drops the first exec's connection after `bytes` bytes of stdout: what a flaky API server does. */
class DroppingTransport implements PodTransport {
  dropAfter: number | undefined;
  constructor(private readonly inner: KubeExecTransport) {}
  exec: PodTransport['exec'] = (pod, container, argv, io) => {
    const dropAfter = this.dropAfter;
    this.dropAfter = undefined;
    if (dropAfter === undefined) return this.inner.exec(pod, container, argv, io);
    const controller = new AbortController();
    let seen = 0;
    return this.inner.exec(pod, container, argv, {
      ...io,
      signal: controller.signal,
      onStdout: (chunk) => {
        if (controller.signal.aborted) return;
        const take = chunk.subarray(0, Math.max(0, dropAfter - seen));
        seen += take.length;
        if (take.length) io.onStdout(take);
        if (seen >= dropAfter) controller.abort();
      },
      onStderr: (chunk) => !controller.signal.aborted && io.onStderr(chunk),
    });
  };
  containerState: PodTransport['containerState'] = (pod, container) => this.inner.containerState(pod, container);
}

describe.skipIf(!cluster)('exec strategy on the local cluster', () => {
  const connection = cluster!;
  const kube = new KubeExecTransport(connection);
  const transport = new DroppingTransport(kube);
  const backend = new KubernetesJobBackend(connection, kube, { startTimeoutMs: 60_000 });
  const strategy = new ExecStepStrategy(transport, { recoveryDelayMs: 100 });
  let pod: JobPod;

  beforeAll(async () => {
    pod = await backend.startJob(
      { runId, name: `kact-${runId}-exec`, labels: { [LABELS.job]: 'exec' }, main: { name: 'runner', image: 'kact.local/runner:trixie', env: { FROM_CONFIGMAP: 'cm' }, keepAlive: true, options: '--memory 256m' }, services: [], extra: [], secrets: {} },
      new AbortController().signal,
    );
  }, 90_000);
  afterAll(async () => {
    expect(await endTestJob(connection, backend, pod, runId)).toEqual([]);
  }, 60_000);

  const run = async (script: string, extra: Partial<ProcessRequest> = {}, signal = new AbortController().signal) => {
    let out = '';
    const result = await strategy.runProcess(pod, bashStepRequest(script, extra), (chunk) => (out += chunk), signal);
    return { ...result, out };
  };

  it('tells which busybox the pod has', async () => {
    const r = await run('/__kact/bin/busybox --help 2>&1 | head -1 || true; head -c 2 /__kact/bin/busybox | od -c | head -1');
    console.log(`pod busybox: ${r.out.trim().split('\n').join(' / ')}`);
    expect(r.exitCode).toBe(0);
  });

  it('delivers env values verbatim, keeps container env, reports exit codes 0/1/42', async () => {
    const tricky = `a "dq" 'sq' $(echo injected) \`tick\` \\ $HOME\nline2\n`;
    const r = await run('printf "%s|%s|" "$TRICKY" "$FROM_CONFIGMAP"; exit 42', { env: { PATH: '/usr/bin:/bin', TRICKY: tricky } });
    expect(r.out).toBe(`${tricky}|cm|`);
    expect(r.exitCode).toBe(42);
    expect((await run('true')).exitCode).toBe(0);
    expect((await run('false')).exitCode).toBe(1);
  });

  it('streams output without trailing newline and a 100 KiB line', async () => {
    expect((await run('echo out; echo err >&2; printf no-newline')).out).toBe('out\nerr\nno-newline');
    const long = await run('head -c 102400 /dev/zero | tr "\\0" y; echo');
    expect(long.out).toBe(`${'y'.repeat(102400)}\n`);
  });

  it('reads file commands back', async () => {
    const fileCommands = { GITHUB_OUTPUT: `${FC}/output-1`, GITHUB_ENV: `${FC}/env-1`, GITHUB_STEP_SUMMARY: `${FC}/summary-1` };
    const r = await run('echo "x=1" >> "$GITHUB_OUTPUT"; printf "M<<EOF\\nmulti\\nline\\nEOF\\n" >> "$GITHUB_ENV"', {
      env: { PATH: '/usr/bin:/bin', ...fileCommands },
      fileCommands,
    });
    expect(r.fileCommands).toEqual({ GITHUB_OUTPUT: 'x=1\n', GITHUB_ENV: 'M<<EOF\nmulti\nline\nEOF\n', GITHUB_STEP_SUMMARY: '' });
  });

  it('times out and kills the process group', async () => {
    const t0 = Date.now();
    const r = await run('echo start; sleep 60 & sleep 60', { timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, out: 'start\n' });
    expect(r.exitCode).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('aborts with exit 130', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const r = await run('echo start; sleep 60; echo never', {}, controller.signal);
    expect(r).toMatchObject({ exitCode: 130, out: 'start\n' });
  });

  it('says when the process was OOM-killed', async () => {
    const r = await run('python3 -c "x = bytearray(600 * 1024 * 1024); print(len(x))"');
    expect(r).toMatchObject({ exitCode: 137, killedBy: 'oom' });
    expect((await run('echo still alive')).out).toBe('still alive\n');
  });

  it('recovers a dropped connection without losing output or the exit code', async () => {
    transport.dropAfter = 6;
    const r = await run('echo first; sleep 1; echo second; exit 7');
    expect(r).toMatchObject({ exitCode: 7, out: 'first\nsecond\n' });
  });

  it('measures the exec round-trip (printed, not asserted)', async () => {
    await measure('pod busybox as built');
    // The runner image may lack busybox (then a bash stand-in runs the wrapper): measure with a real one too.
    const local = process.env['KACT_TEST_BUSYBOX'];
    if (local) {
      const dir = await mkdtemp(join(tmpdir(), 'kact-bb-'));
      await copyFile(local, join(dir, 'busybox'));
      await backend.copyIn(pod, dir, '/__kact/bin');
      await measure(`with ${local} copied in`);
    }
  });

  async function measure(label: string) {
    const raw: number[] = [];
    const step: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = performance.now();
      await kube.exec(pod, 'runner', ['true'], { onStdout: () => undefined, onStderr: () => undefined });
      raw.push(performance.now() - t);
      t = performance.now();
      await run('echo hi');
      step.push(performance.now() - t);
    }
    raw.sort((a, b) => a - b);
    step.sort((a, b) => a - b);
    const f = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms`;
    console.log(`${label}: raw exec round-trip (true): ${f(raw)}; exec strategy run step (echo hi): ${f(step)}`);
  }
});
