import { spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessRequest } from '@kact/core';
import { SidecarLog, type SidecarTrailer } from './sidecar-log.js';
import { encodeSidecarStep } from './sidecar-request.js';
import { sidecarWrapperScript, slotScript } from './sidecar-wrapper.js';

/** The bash stand-in the pod's init container installs when the tools image has no busybox. */
async function shim(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'kact-bb-')), 'busybox');
  await writeFile(path, '#!/bin/bash\nif [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi\nexec "$@"\n');
  await chmod(path, 0o755);
  return path;
}

// KACT_TEST_BUSYBOX: a real (static) busybox to run the programs under, as the pods do.
const busybox = process.env['KACT_TEST_BUSYBOX'] || (await shim());
const wrapper = sidecarWrapperScript(busybox);

type Mode = 'env' | 'slot';
type Step = ReturnType<typeof encodeSidecarStep>;

/** What one step left in the log, read as kact reads it. */
interface StepRun {
  /** The wrapper's exit code; for a slot, which goes on, the trailer's. */
  code: number;
  out: string;
  trailer: SidecarTrailer | undefined;
  /** The log's length at the step's end: where the slot's next step starts. */
  logBytes: number;
}

/**
 * A step slot, locally: the slot program waiting on its FIFO, its stdout and stderr gathered as
 * the container's log, and steps handed to it the way the agent does it.
 */
async function startSlot(root: string) {
  const slots = join(root, 'slots');
  const child = spawn(busybox, ['sh', '-c', slotScript(busybox, slots), 'kact-slot', 'kact-slot-0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { PATH: process.env['PATH']!, FROM_IMAGE: 'image' },
  });
  let log = Buffer.alloc(0);
  let exited: number | undefined;
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log = Buffer.concat([log, chunk]);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code, signal) => {
    exited = code ?? 128 + (signal ? constants.signals[signal] : 9);
    for (const listener of listeners) listener();
  });
  const ids = join(slots, 'kact-slot-0', 'ids');
  for (let i = 0; i < 200 && !(await access(ids).then(() => true, () => false)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    child,
    get exited() {
      return exited;
    },
    get log() {
      return log;
    },
    /** Hands the step over and resolves once its trailer is in the log (or the slot has exited). */
    async run(step: Step, onOutput: (text: string) => void = () => undefined): Promise<StepRun> {
      const from = log.length;
      let out = '';
      const parsed = new SidecarLog(step.nonce, (chunk) => {
        out += chunk;
        onOutput(out);
      });
      await mkdir(step.dir, { recursive: true });
      for (const [name, content] of Object.entries(step.files)) await writeFile(join(step.dir, name), Buffer.from(content, 'base64'));
      await writeFile(join(slots, 'kact-slot-0', 'go'), `${step.dir} ${step.scriptName}\n`);
      return new Promise((resolve) => {
        let at = from;
        const pump = () => {
          if (log.length > at) parsed.push(log.subarray(at));
          at = log.length;
          const trailer = parsed.trailer();
          if (!trailer && exited === undefined) return;
          listeners.delete(pump);
          parsed.end();
          resolve({ code: trailer?.exitCode ?? exited!, out, trailer, logBytes: at });
        };
        listeners.add(pump);
        pump();
      });
    },
    stop() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** The ephemeral container's wrapper with the step in its env (from the Secret), locally; done at its trailer and exit. */
async function runInEnv(step: Step): Promise<StepRun> {
  const child = spawn(busybox, ['sh', '-c', wrapper, 'kact-step', step.dir, step.scriptName], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { PATH: process.env['PATH']!, FROM_IMAGE: 'image', ...step.env },
  });
  let out = '';
  let bytes = 0;
  const log = new SidecarLog(step.nonce, (chunk) => (out += chunk));
  // As in the pod: done at the trailer, or when the wrapper exits; leftovers die with the "container".
  const code = await new Promise<number>((resolve) => {
    let exited: number | undefined;
    const onLog = (chunk: Buffer) => {
      bytes += chunk.length;
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
  return { code, out, trailer: log.trailer(), logBytes: bytes };
}

const bashRequest = (root: string, script: string, extra: Partial<ProcessRequest> = {}): ProcessRequest => ({
  container: 'runner',
  command: ['bash', '--noprofile', '--norc', '-e', '{0}'],
  script: { content: script, extension: '.sh' },
  env: { PATH: process.env['PATH']! },
  workingDirectory: root,
  fileCommands: {},
  ...extra,
});

/** A slot started in a fresh folder (named `kact-<prefix>-…`) for `use`, stopped after it whatever happens. */
async function withSlot<T>(prefix: string, use: (slot: Awaited<ReturnType<typeof startSlot>>, root: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), `kact-${prefix}-`));
  const slot = await startSlot(root);
  try {
    return await use(slot, root);
  } finally {
    slot.stop();
  }
}

/** Runs one step through the program of `mode`, locally, and reads its log as kact would. */
async function runIn(mode: Mode, script: string, extra: Partial<ProcessRequest> = {}, base: Record<string, string> = {}) {
  const stepIn = (root: string) => encodeSidecarStep(bashRequest(root, script, extra), base, join(root, 'step'));
  if (mode === 'slot') {
    return withSlot('side', async (slot, root) => {
      const step = stepIn(root);
      return { ...(await slot.run(step)), root, step };
    });
  }
  const root = await mkdtemp(join(tmpdir(), 'kact-side-'));
  const step = stepIn(root);
  return { ...(await runInEnv(step)), root, step };
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

describe('a step slot takes one step after another (local processes, bash stand-in for busybox)', () => {
  it('runs two steps in turn, each with its own trailer and nothing of the other, and reads on from where the last ended', async () => {
    await withSlot('loop', async (slot, root) => {
      const first = encodeSidecarStep(bashRequest(root, 'cd /; A=leaked; trap "echo trapped" EXIT; echo "one $$"; exit 3'), {}, join(root, 'one'));
      const one = await slot.run(first);
      expect(one.trailer?.exitCode).toBe(3);
      expect(one.out).toMatch(/^one \d+\ntrapped\n$/);
      const second = encodeSidecarStep(bashRequest(join(root, 'one'), 'echo "two ${A:-unset} $PWD"'), {}, join(root, 'two'));
      const two = await slot.run(second);
      expect(two).toMatchObject({ code: 0, out: `two unset ${join(root, 'one')}\n` });
      expect(two.trailer?.exitCode).toBe(0);
      // Each step's part of the log ends at its trailer; the whole log is the two parts.
      expect(one.logBytes).toBeGreaterThan(0);
      expect(two.logBytes).toBe(slot.log.length);
      expect(slot.log.subarray(0, one.logBytes).toString()).toContain(`${first.nonce} exit 3 `);
      expect(slot.log.subarray(one.logBytes).toString()).not.toContain(first.nonce);
      expect(slot.exited).toBeUndefined();
    });
  });

  it('survives the SIGTERM the stop helper sends every process of its container: the step ends, its trailer is printed, the slot takes the next', async () => {
    await withSlot('term', async (slot, root) => {
      const long = encodeSidecarStep(bashRequest(root, 'trap "echo cleaning up; exit 5" TERM; echo start; sleep 30 & wait; echo never'), {}, join(root, 'long'));
      let signalled = false;
      const stopped = await slot.run(long, (out) => {
        if (signalled || !out.includes('start')) return;
        signalled = true;
        // As STOP_SCRIPT: TERM to every process of the container (the slot's group and the step's session).
        void readFile(join(long.dir, 'pid'), 'utf8').then((pgid) => {
          for (const group of [slot.child.pid!, Number(pgid.trim())]) {
            try {
              process.kill(-group, 'SIGTERM');
            } catch {
              // gone already
            }
          }
        });
      });
      // What the step prints as it ends still reaches the log, and its exit code the trailer.
      expect(stopped.out).toBe('start\ncleaning up\n');
      expect(stopped.trailer?.exitCode).toBe(5);
      expect(slot.exited).toBeUndefined();
      const next = await slot.run(encodeSidecarStep(bashRequest(root, 'echo after'), {}, join(root, 'next')));
      expect(next).toMatchObject({ code: 0, out: 'after\n' });
    });
  });

  it('ends with 94 when handed a folder that does not exist', async () => {
    await withSlot('bad', async (slot, root) => {
      await writeFile(join(root, 'slots', 'kact-slot-0', 'go'), `${join(root, 'missing')} script.sh\n`);
      for (let i = 0; i < 200 && slot.exited === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(slot.exited).toBe(94);
    });
  });
});
