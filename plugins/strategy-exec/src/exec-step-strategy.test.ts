import { describe, expect, it } from 'vitest';
import { InfrastructureError, type JobPod, type ProcessRequest } from '@kact/core';
import type { ContainerState, ExecIo, ExecResult, PodRef, PodTransport } from '@kact/kubernetes';
import { ExecStepStrategy } from './exec-step-strategy.js';
import { parseTrailer } from './step-trailer.js';

const pod: JobPod = { name: 'p', namespace: 'ns', mainContainer: 'runner', services: {} };
const request: ProcessRequest = {
  container: 'runner',
  command: ['bash', '-e', '{0}'],
  script: { content: 'echo hi', extension: '.sh' },
  env: { A: '1' },
  workingDirectory: '/github/workspace',
  fileCommands: { GITHUB_OUTPUT: '/runner/temp/out', GITHUB_ENV: '/runner/temp/env' },
};

type Scripted = (argv: string[], io: ExecIo, nonce: string) => ExecResult | Promise<ExecResult>;

/** An in-memory pod: each exec is answered by the next scripted reply; the nonce is read from the request tar. */
class FakeTransport implements PodTransport {
  execs: string[][] = [];
  state: ContainerState = { state: 'running' };
  private nonce = '';
  constructor(private readonly replies: Scripted[]) {}
  async exec(_pod: PodRef, _container: string, argv: string[], io: ExecIo): Promise<ExecResult> {
    this.execs.push(argv);
    if (Buffer.isBuffer(io.stdin)) this.nonce = /kact-[0-9a-f]{24}/.exec(io.stdin.toString('latin1'))![0];
    const reply = this.replies.shift();
    if (!reply) throw new Error('unexpected exec');
    return reply(argv, io, this.nonce);
  }
  async containerState(): Promise<ContainerState> {
    return this.state;
  }
}

const trailer = (nonce: string, code: number, files: string[] = ['', ''], extra = '0 0') =>
  Buffer.from(`${files.map((f, i) => `${nonce} file ${i}\n${Buffer.from(f).toString('base64')}\n`).join('')}${nonce} exit ${code} ${extra}\n`);

const run = async (transport: FakeTransport, signal = new AbortController().signal) => {
  let out = '';
  const strategy = new ExecStepStrategy(transport, { busybox: '/bb', recoveryDelayMs: 1, maxRecoveries: 2 });
  const result = await strategy.runProcess(pod, request, (chunk) => (out += chunk), signal);
  return { ...result, out };
};

describe('ExecStepStrategy with an in-memory pod', () => {
  it('makes one exec and reads exit code and file commands from the stderr trailer', async () => {
    const transport = new FakeTransport([
      (argv, io, nonce) => {
        expect(argv.slice(0, 3)).toEqual(['/bb', 'sh', '-c']);
        expect(argv.slice(4, 6)).toEqual(['kact-step', 'run']);
        // The step's data is not in the argv, only in stdin.
        expect(argv.join(' ')).not.toContain('echo hi');
        io.onStdout(Buffer.from('h'));
        io.onStdout(Buffer.from('i\n'));
        io.onStderr(trailer(nonce, 3, ['x=1\n', 'Y<<E\nü\nE\n']).subarray(0, 10));
        io.onStderr(trailer(nonce, 3, ['x=1\n', 'Y<<E\nü\nE\n']).subarray(10));
        return { exitCode: 0 };
      },
    ]);
    const r = await run(transport);
    expect(r).toEqual({ exitCode: 3, out: 'hi\n', fileCommands: { GITHUB_OUTPUT: 'x=1\n', GITHUB_ENV: 'Y<<E\nü\nE\n' } });
    expect(transport.execs).toHaveLength(1);
  });

  it('passes UTF-8 split across chunks through intact', async () => {
    const bytes = Buffer.from('€uro');
    const transport = new FakeTransport([
      (_argv, io, nonce) => {
        io.onStdout(bytes.subarray(0, 1));
        io.onStdout(bytes.subarray(1));
        io.onStderr(trailer(nonce, 0));
        return { exitCode: 0 };
      },
    ]);
    expect((await run(transport)).out).toBe('€uro');
  });

  it('resumes a dropped step at the received byte offset', async () => {
    const transport = new FakeTransport([
      (_argv, io) => {
        io.onStdout(Buffer.from('12345'));
        return { exitCode: undefined, lostReason: 'connection reset' };
      },
      (argv, io, nonce) => {
        expect(argv.slice(5)).toEqual(['follow', argv[6], '5']);
        io.onStdout(Buffer.from('6789'));
        io.onStderr(trailer(nonce, 0, ['', ''], '1 0'));
        return { exitCode: 0 };
      },
    ]);
    const r = await run(transport);
    expect(r).toMatchObject({ exitCode: 0, out: '123456789', timedOut: true });
  });

  it('sends the request again when the first exec could not even open', async () => {
    const transport = new FakeTransport([
      () => {
        throw new Error('upgrade refused');
      },
      (argv, io, nonce) => {
        expect(argv[5]).toBe('run');
        io.onStderr(trailer(nonce, 0));
        return { exitCode: 0 };
      },
    ]);
    expect((await run(transport)).exitCode).toBe(0);
  });

  it('is an infrastructure error when the pod is gone, never a success', async () => {
    const transport = new FakeTransport([() => ({ exitCode: undefined, lostReason: 'EOF' })]);
    transport.state = { state: 'pod-gone' };
    await expect(run(transport)).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('gives up after the configured reconnections', async () => {
    const lost = () => ({ exitCode: undefined, lostReason: 'EOF' });
    const transport = new FakeTransport([lost, lost, lost]);
    await expect(run(transport)).rejects.toThrow(/after 3 connections: EOF/);
  });

  it('reports an OOM-killed container', async () => {
    const transport = new FakeTransport([() => ({ exitCode: undefined, lostReason: 'EOF' })]);
    transport.state = { state: 'terminated', reason: 'OOMKilled', exitCode: 137 };
    expect(await run(transport)).toMatchObject({ exitCode: 137, killedBy: 'oom' });
  });

  it('reports OOM kills inside the container from the trailer', async () => {
    const transport = new FakeTransport([(_a, io, nonce) => (io.onStderr(trailer(nonce, 137, ['', ''], '0 1')), { exitCode: 0 })]);
    expect(await run(transport)).toMatchObject({ exitCode: 137, killedBy: 'oom' });
  });

  it('is an infrastructure error when the wrapper fails or records no exit', async () => {
    const failed = new FakeTransport([(_a, io) => (io.onStderr(Buffer.from('tar: short read\n')), { exitCode: 92 })]);
    await expect(run(failed)).rejects.toThrow(/code 92\): tar: short read/);
    const noexit = new FakeTransport([(_a, io, nonce) => (io.onStderr(Buffer.from(`${nonce} noexit\n`)), { exitCode: 0 })]);
    await expect(run(noexit)).rejects.toThrow(/without recording an exit code/);
  });

  it('on abort sends the kill mode and resolves with 130', async () => {
    const controller = new AbortController();
    let finish: () => void = () => undefined;
    const transport = new FakeTransport([
      (_a, io, nonce) =>
        new Promise<ExecResult>((resolve) => {
          finish = () => {
            io.onStderr(trailer(nonce, 143));
            resolve({ exitCode: 0 });
          };
          controller.abort();
        }),
      (argv) => {
        expect(argv[5]).toBe('kill');
        setTimeout(finish, 5);
        return { exitCode: 0 };
      },
    ]);
    expect((await run(transport, controller.signal)).exitCode).toBe(130);
  });

  it('does not start anything when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const transport = new FakeTransport([]);
    expect(await run(transport, controller.signal)).toEqual({ exitCode: 130, fileCommands: { GITHUB_OUTPUT: '', GITHUB_ENV: '' }, out: '' });
  });
});

describe('parseTrailer', () => {
  it('ignores lines with another nonce and needs the exit line', () => {
    expect(parseTrailer('kact-aaa exit 1 0 0\n', 'kact-bbb')).toBeUndefined();
    expect(parseTrailer('kact-bbb file 0\nYQ==\n', 'kact-bbb')).toBeUndefined();
    expect(parseTrailer('noise\nkact-bbb exit 5 0 0\n', 'kact-bbb')).toEqual({ kind: 'exit', exitCode: 5, timedOut: false, oomKills: 0, files: [] });
  });
});
