import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_PATHS, type ContainerStepRequest, type JobPod, type ProcessRequest } from '@kact/core';
import { bashStepRequest, EphemeralCopyIn, clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS, StepContainerError, StepContainers } from '@kact/kubernetes';
import { ExecStepStrategy } from '@kact/strategy-exec';
import { SidecarStepStrategy } from '../src/sidecar-step-strategy.js';

const cluster = await clusterForTests('sidecar strategy cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;
const RUNNER = 'kact.local/runner:trixie';
const FC = `${POD_PATHS.temp}/_runner_file_commands`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

describe.skipIf(!cluster)('sidecar strategy on the local cluster', () => {
  const connection = cluster!;
  const containers = new StepContainers(connection, { stopGraceSeconds: 2 });
  const transport = new KubeExecTransport(connection);
  const backend = new KubernetesJobBackend(connection, transport, { startTimeoutMs: 60_000, files: new EphemeralCopyIn(containers) });
  const strategy = new SidecarStepStrategy(containers, connection, { stopBackstopMs: 5000 });
  let pod: JobPod;
  let n = 0;

  beforeAll(async () => {
    // As the job runner does: the strategy adds its step slots and agent to the pod.
    const job = { runId, name: `kact-${runId}-sidecar`, labels: { [LABELS.job]: 'sidecar' }, main: { name: 'runner', image: RUNNER, env: { FROM_CONFIGMAP: 'cm "v" $(x)' }, keepAlive: true }, services: [], extra: [], secrets: {} };
    pod = await backend.startJob(strategy.preparePod(job, { steps: 3 }), new AbortController().signal);
  }, 90_000);
  afterAll(async () => {
    expect(await endTestJob(connection, backend, pod, runId)).toEqual([]);
  }, 60_000);

  const run = async (script: string, extra: Partial<ProcessRequest> = {}, signal = new AbortController().signal) => {
    let out = '';
    const result = await strategy.runProcess(pod, bashStepRequest(script, extra), (chunk) => (out += chunk), signal);
    return { ...result, out };
  };

  it('runs run steps with env verbatim (quotes, newlines, $(...)), the job env, and exit codes 0/1/42', async () => {
    const tricky = `a "quoted" 'single' $(echo injected) \`tick\` \\ back\nsecond line\n`;
    const r = await run('printf "%s|" "$TRICKY" "$FROM_CONFIGMAP" "$(id -u)"; exit 42', { env: { PATH: '/usr/bin:/bin', TRICKY: tricky } });
    expect(r.out).toBe(`${tricky}|cm "v" $(x)|0|`);
    expect(r.exitCode).toBe(42);
    expect((await run('echo ok')).exitCode).toBe(0);
    expect((await run('false')).exitCode).toBe(1);
  });

  it('returns file-command files and runs in the working directory', async () => {
    const files = { GITHUB_OUTPUT: `${FC}/out_${n}`, GITHUB_ENV: `${FC}/env_${n++}` };
    const r = await run('pwd; test ! -s "$GITHUB_OUTPUT"; echo "a=1" >> "$GITHUB_OUTPUT"; printf "X<<EOF\\nü\\nEOF\\n" >> "$GITHUB_ENV"', { env: { PATH: '/usr/bin:/bin', ...files }, fileCommands: files });
    expect(r).toMatchObject({ exitCode: 0, out: `${POD_PATHS.workspace}\n`, fileCommands: { GITHUB_OUTPUT: 'a=1\n', GITHUB_ENV: 'X<<EOF\nü\nEOF\n' } });
  });

  it('streams 50 MB of output byte-exact, and long lines without newline', async () => {
    let bytes = 0;
    let tail = '';
    const started = Date.now();
    const result = await strategy.runProcess(pod, bashStepRequest('head -c 52428800 /dev/zero | tr "\\0" x; printf "\\nend"'), (chunk) => {
      bytes += Buffer.byteLength(chunk);
      tail = (tail + chunk).slice(-10);
    }, new AbortController().signal);
    console.log(`sidecar: 50 MB step in ${Date.now() - started} ms`);
    expect(result.exitCode).toBe(0);
    expect(bytes).toBe(52428800 + 4);
    expect(tail).toBe('xxxxxx\nend');
  }, 180_000);

  it('stops a step at its timeout, and a cancelled one with 130', async () => {
    const t = await run('echo start; sleep 300', { timeoutMs: 2000 });
    expect(t.timedOut).toBe(true);
    expect(t.exitCode).not.toBe(0);
    expect(t.out).toMatch(/^start\n/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2500);
    const started = Date.now();
    const c = await run('echo start; sleep 300', {}, controller.signal);
    expect(c.exitCode).toBe(130);
    expect(c.out).toMatch(/^start\n/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('runs docker steps in their own image with INPUT_ env and GITHUB_OUTPUT; a missing image fails fast', async () => {
    const id = n++;
    const step: ContainerStepRequest = {
      name: `docker-${id}`,
      image: RUNNER,
      entrypoint: ['/bin/bash'],
      args: ['-c', 'echo "hello $INPUT_WHO"; echo "greeting=hi $INPUT_WHO" >> "$GITHUB_OUTPUT"; exit 7'],
      env: { INPUT_WHO: 'kact "q"', GITHUB_OUTPUT: `${FC}/docker_${id}` },
      workingDirectory: POD_PATHS.workspace,
      fileCommands: { GITHUB_OUTPUT: `${FC}/docker_${id}` },
    };
    let out = '';
    const r = await strategy.runContainer(pod, step, (chunk) => (out += chunk), new AbortController().signal);
    expect(r).toMatchObject({ exitCode: 7, fileCommands: { GITHUB_OUTPUT: 'greeting=hi kact "q"\n' } });
    expect(out).toBe('hello kact "q"\n');
    const started = Date.now();
    await expect(strategy.runContainer(pod, { ...step, name: `missing-${id}`, image: 'kact.local/missing:0' }, () => undefined, new AbortController().signal)).rejects.toThrow(StepContainerError);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('copies a folder into the workspace without exec', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kact-copy-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'file.txt'), 'copied ✓\n');
    await writeFile(join(dir, 'skip.log'), 'no');
    await backend.copyIn(pod, dir, `${POD_PATHS.workspace}/copied`, { exclude: (p) => p.endsWith('.log') });
    const r = await run('cat copied/sub/file.txt; ls copied');
    expect(r.out).toBe('copied ✓\nsub\n');
  });

  it('runs sequential steps one after another in one slot, each with its own output; a cancelled step\'s slot is not used again', async () => {
    // The step's parent is the slot's shell (forked), whose last argument is the slot's name.
    const whereScript = 'tr "\\0" "\\n" < /proc/$PPID/cmdline | tail -n 1';
    const where = async () => {
      const r = await run(whereScript);
      expect(r.exitCode).toBe(0);
      return r.out;
    };
    const first = await where();
    expect(first).toMatch(/^kact-slot-[-a-z0-9]+\n$/);
    for (let i = 0; i < 5; i++) expect(await where()).toBe(first);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2000);
    const cancelled = await run(`${whereScript}; sleep 300`, {}, controller.signal);
    expect(cancelled.exitCode).toBe(130);
    expect(cancelled.out.startsWith(first)).toBe(true);
    // The stop helper ends that slot after the grace: the next steps go to another, and stay there.
    const next = await where();
    expect(next).not.toBe(first);
    expect(await where()).toBe(next);
  });

  it('measures per-step overhead of sidecar vs exec (echo hi)', async () => {
    const exec = new ExecStepStrategy(transport);
    const times: Record<string, number[]> = { exec: [], sidecar: [] };
    for (let i = 0; i < 15; i++) {
      for (const [name, s] of [['exec', exec], ['sidecar', strategy]] as const) {
        const started = performance.now();
        const r = await s.runProcess(pod, bashStepRequest('echo hi'), () => undefined, new AbortController().signal);
        times[name]!.push(performance.now() - started);
        expect(r.exitCode).toBe(0);
      }
    }
    for (const [name, list] of Object.entries(times)) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(`per-step (echo hi) ${name}: p50 ${pct(sorted, 50).toFixed(0)} ms, p95 ${pct(sorted, 95).toFixed(0)} ms over ${sorted.length} steps`);
    }
  }, 180_000);
});
