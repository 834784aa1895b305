import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobPod, ProcessRequest } from '@kact/core';
import { ExecStepStrategy } from '../src/exec-step-strategy.js';
import { LocalTransport, localBusybox } from '@kact/testing';

const pod: JobPod = { name: 'local', namespace: 'none', mainContainer: 'runner', services: {} };
const shims = { shim: await localBusybox('shim'), busybox: await localBusybox('busybox') };
if (!shims.busybox) console.warn('wrapper-local: no busybox on this machine (set KACT_TEST_BUSYBOX): testing the wrapper under the bash stand-in only');

for (const [kind, busybox] of Object.entries(shims)) {
  describe.skipIf(!busybox)(`step wrapper under ${kind} (local processes)`, () => {
    const setup = async () => {
      const root = await mkdtemp(join(tmpdir(), 'kact-steps-'));
      const transport = new LocalTransport();
      const strategy = new ExecStepStrategy(transport, { busybox: busybox!, stepsDir: root, recoveryDelayMs: 10 });
      const run = async (script: string, extra: Partial<ProcessRequest> = {}, signal = new AbortController().signal) => {
        let out = '';
        const result = await strategy.runProcess(
          pod,
          { container: 'runner', command: ['bash', '--noprofile', '--norc', '-e', '{0}'], script: { content: script, extension: '.sh' }, env: { PATH: process.env['PATH']! }, workingDirectory: root, fileCommands: {}, ...extra },
          (chunk) => (out += chunk),
          signal,
        );
        return { ...result, out };
      };
      return { root, transport, run };
    };

    it('passes env values verbatim and reports exit codes', async () => {
      const { run } = await setup();
      const tricky = `a "quoted" 'single' $(echo injected) \`tick\` \\ back\nsecond line\n`;
      const r = await run('printf "%s|" "$TRICKY" "$#"; exit 42', { env: { PATH: process.env['PATH']!, TRICKY: tricky } });
      expect(r.out).toBe(`${tricky}|0|`);
      expect(r.exitCode).toBe(42);
      expect((await run('true')).exitCode).toBe(0);
      expect((await run('false')).exitCode).toBe(1);
    });

    it('merges stderr into the log in order, keeps output without trailing newline and long lines', async () => {
      const { run } = await setup();
      expect((await run('echo out; echo err >&2; printf end')).out).toBe('out\nerr\nend');
      const long = await run('head -c 102400 /dev/zero | tr "\\0" x');
      expect(long.out).toBe('x'.repeat(102400));
    });

    it('creates file-command files empty and reads them back', async () => {
      const { root, run } = await setup();
      const files = { GITHUB_OUTPUT: join(root, 'fc', 'output'), GITHUB_ENV: join(root, 'fc', 'env') };
      const r = await run('test ! -s "$GITHUB_OUTPUT"; echo "a=1" >> "$GITHUB_OUTPUT"; printf "X<<EOF\\nü\\nEOF\\n" >> "$GITHUB_ENV"', {
        env: { PATH: process.env['PATH']!, GITHUB_OUTPUT: files.GITHUB_OUTPUT, GITHUB_ENV: files.GITHUB_ENV },
        fileCommands: files,
      });
      expect(r.exitCode).toBe(0);
      expect(r.fileCommands).toEqual({ GITHUB_OUTPUT: 'a=1\n', GITHUB_ENV: 'X<<EOF\nü\nEOF\n' });
    });

    it('runs in the working directory and fails when it is missing', async () => {
      const { root, run } = await setup();
      expect((await run('pwd')).out).toBe(`${root}\n`);
      const missing = await run('pwd', { workingDirectory: join(root, 'nope') });
      expect(missing.exitCode).toBe(1);
      expect(missing.out).toContain('does not exist');
    });

    it('kills the process group on timeout', async () => {
      const { run } = await setup();
      const started = Date.now();
      const r = await run('echo start; sleep 30 & wait', { timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(8000);
    });

    it('kills the process when aborted and resolves with 130', async () => {
      const { run } = await setup();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const r = await run('echo start; sleep 30; echo never', {}, controller.signal);
      expect(r.exitCode).toBe(130);
      expect(r.out).toBe('start\n');
    });

    it('recovers a dropped connection from the recorded exit code and the log offset', async () => {
      const { transport, run } = await setup();
      transport.dropAfterBytes = 6;
      const r = await run('echo first; sleep 0.5; echo second; exit 3');
      expect(r.out).toBe('first\nsecond\n');
      expect(r.exitCode).toBe(3);
      expect(transport.execs.map((argv) => argv[5])).toEqual(['run', 'follow']);
      expect(transport.execs[1]![7]).toBe('6');
    });

    it('keeps the step files for recovery', async () => {
      const { root, transport, run } = await setup();
      await run('echo logged');
      const dir = transport.execs[0]![6]!;
      expect(dir.startsWith(root)).toBe(true);
      expect(await readFile(join(dir, 'log'), 'utf8')).toBe('logged\n');
      expect(await readFile(join(dir, 'exit'), 'utf8')).toBe('0\n');
    });
  });
}
