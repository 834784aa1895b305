import { spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessRequest } from '@kact/core';
import { SidecarLog } from './sidecar-log.js';
import { encodeSidecarStep } from './sidecar-request.js';
import { sidecarWrapperScript, slotScript } from './sidecar-wrapper.js';

/** The bash stand-in the pod's init container installs when the tools image has no busybox. */
async function shim(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'kact-bb-')), 'busybox');
  await writeFile(path, '#!/bin/bash\nif [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi\nexec "$@"\n');
  await chmod(path, 0o755);
  return path;
}

const busybox = await shim();
const wrapper = sidecarWrapperScript(busybox);

type Mode = 'env' | 'slot';

/**
 * Starts the program as the step's container would, locally: `env`, the ephemeral container's
 * wrapper with the step in its env (from the Secret); `slot`, a step slot that waits on its FIFO
 * and gets the step folder written by the agent (done here the way the agent does it).
 */
async function start(mode: Mode, root: string, step: ReturnType<typeof encodeSidecarStep>) {
  const options = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], detached: true };
  if (mode === 'env') {
    return spawn(busybox, ['sh', '-c', wrapper, 'kact-step', step.dir, step.scriptName], { ...options, env: { PATH: process.env['PATH']!, FROM_IMAGE: 'image', ...step.env } });
  }
  const slots = join(root, 'slots');
  const child = spawn(busybox, ['sh', '-c', slotScript(busybox, slots), 'kact-slot', 'kact-slot-0'], { ...options, env: { PATH: process.env['PATH']!, FROM_IMAGE: 'image' } });
  const ids = join(slots, 'kact-slot-0', 'ids');
  for (let i = 0; i < 200 && !(await access(ids).then(() => true, () => false)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await mkdir(step.dir, { recursive: true });
  for (const [name, content] of Object.entries(step.files)) await writeFile(join(step.dir, name), Buffer.from(content, 'base64'));
  await writeFile(join(slots, 'kact-slot-0', 'go'), `${step.dir} ${step.scriptName}\n`);
  return child;
}

/** Runs one step through the program of `mode`, locally, and reads its log as kact would. */
async function runIn(mode: Mode, script: string, extra: Partial<ProcessRequest> = {}, base: Record<string, string> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'kact-side-'));
  const request: ProcessRequest = {
    container: 'runner',
    command: ['bash', '--noprofile', '--norc', '-e', '{0}'],
    script: { content: script, extension: '.sh' },
    env: { PATH: process.env['PATH']! },
    workingDirectory: root,
    fileCommands: {},
    ...extra,
  };
  const step = encodeSidecarStep(request, base, join(root, 'step'));
  let out = '';
  const log = new SidecarLog(step.nonce, (chunk) => (out += chunk));
  const child = await start(mode, root, step);
  // As in the pod: done at the trailer, or when the wrapper exits; leftovers die with the "container".
  const code = await new Promise<number>((resolve) => {
    let exited: number | undefined;
    const onLog = (chunk: Buffer) => {
      log.push(chunk);
      if (log.trailer() && exited !== undefined) resolve(exited);
    };
    child.stdout.on('data', onLog);
    child.stderr.on('data', onLog);
    child.on('exit', (c) => {
      exited = c ?? 137;
      if (log.trailer()) resolve(exited);
    });
    child.on('close', (c) => resolve(c ?? 137));
  });
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  log.end();
  return { code, out, trailer: log.trailer(), root, step };
}

describe.each(['env', 'slot'] as const)('sidecar wrapper, step from %s (local processes, bash stand-in for busybox)', (mode) => {
  const run = (script: string, extra: Partial<ProcessRequest> = {}, base: Record<string, string> = {}) => runIn(mode, script, extra, base);

  it('passes env verbatim, over the container env, and reports exit codes', async () => {
    const tricky = `a "quoted" 'single' $(echo injected) \`tick\` \\ back\nsecond line\n`;
    const r = await run('printf "%s|" "$TRICKY" "$BASE" "$FROM_IMAGE" "${KACT_ENV_0:-gone}"; exit 42', { env: { PATH: process.env['PATH']!, TRICKY: tricky, BASE: 'step wins' } }, { BASE: 'base', ONLY_BASE: 'b' });
    expect(r.out).toBe(`${tricky}|step wins|image|gone|`);
    expect(r.code).toBe(42);
    expect(r.trailer?.exitCode).toBe(42);
    expect((await run('true')).trailer?.exitCode).toBe(0);
    expect((await run('false')).trailer?.exitCode).toBe(1);
  });

  it('merges stderr in order, keeps output without a trailing newline', async () => {
    const r = await run('echo out; echo err >&2; printf end');
    expect(r.out).toBe('out\nerr\nend');
    expect(r.trailer?.outputBytes).toBe(11);
  });

  it('creates file-command files empty and reports them in the trailer', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kact-fc-'));
    const files = { GITHUB_OUTPUT: join(root, 'fc', 'out'), GITHUB_ENV: join(root, 'fc', 'env') };
    const r = await run('test ! -s "$GITHUB_OUTPUT"; echo "a=1" >> "$GITHUB_OUTPUT"; printf "X<<EOF\\nü\\nEOF\\n" >> "$GITHUB_ENV"', {
      env: { PATH: process.env['PATH']!, ...files },
      fileCommands: files,
    });
    expect(r.trailer).toEqual({ exitCode: 0, timedOut: false, outputBytes: 0, oomKills: 0, files: ['a=1\n', 'X<<EOF\nü\nEOF\n'] });
    expect(await readFile(join(r.step.dir, 'exit'), 'utf8')).toBe('0\n');
    // The step's env (it may hold secrets) does not stay behind in the step folder.
    await expect(access(join(r.step.dir, 'env'))).rejects.toThrow(/ENOENT/);
  });

  it('fails with a message when the working directory is missing', async () => {
    const r = await run('pwd', { workingDirectory: '/nonexistent/dir' });
    expect(r.trailer?.exitCode).toBe(1);
    expect(r.out).toContain('does not exist');
  });

  it('kills the process group on timeout and says so', async () => {
    const started = Date.now();
    const r = await run('echo start; sleep 30 & wait', { timeoutMs: 300 });
    expect(r.trailer?.timedOut).toBe(true);
    expect(r.trailer?.exitCode).not.toBe(0);
    expect(r.out).toBe('start\n');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('does not wait for background processes the step leaves behind', async () => {
    const started = Date.now();
    const r = await run('sleep 30 & echo done');
    expect(r.trailer).toMatchObject({ exitCode: 0, outputBytes: 5 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('carries scripts larger than one env value', async () => {
    const big = `${'# padding line\n'.repeat(20000)}echo done`;
    const r = await run(big);
    expect(r.out).toBe('done\n');
  });
});
