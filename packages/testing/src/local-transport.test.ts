import { describe, expect, it } from 'vitest';
import { LocalTransport, localBusybox } from './index.js';

const ref = { name: 'p', namespace: 'n' };
const collect = () => {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return { out, err, io: { onStdout: (b: Buffer) => void out.push(b), onStderr: (b: Buffer) => void err.push(b) } };
};

describe('LocalTransport', () => {
  it('runs argv here with stdin, streams stdout and stderr, records the exec and its exit code', async () => {
    const t = new LocalTransport();
    const { out, err, io } = collect();
    const r = await t.exec(ref, 'runner', ['bash', '-c', 'read -r line; echo "$line"; echo oops >&2; exit 7'], { ...io, stdin: Buffer.from('in\n') });
    expect(r).toEqual({ exitCode: 7 });
    expect(Buffer.concat(out).toString()).toBe('in\n');
    expect(Buffer.concat(err).toString()).toBe('oops\n');
    expect(t.execs).toEqual([['bash', '-c', 'read -r line; echo "$line"; echo oops >&2; exit 7']]);
    expect(await t.containerState()).toEqual({ state: 'running' });
  });

  it('drops the next connection after dropAfterBytes: no exit code, the output cut there, then works again', async () => {
    const t = new LocalTransport();
    t.dropAfterBytes = 5;
    const { out, io } = collect();
    const r = await t.exec(ref, 'runner', ['bash', '-c', 'echo 0123456789; exec sleep 5'], io);
    expect(r.exitCode).toBeUndefined();
    expect(r.lostReason).toBe('dropped by test');
    expect(Buffer.concat(out).toString()).toBe('01234');
    expect((await t.exec(ref, 'runner', ['true'], collect().io)).exitCode).toBe(0);
  });
});

describe('localBusybox', () => {
  it('writes a bash stand-in that runs `sh` as bash and other applets as commands', async () => {
    const shim = (await localBusybox('shim'))!;
    const t = new LocalTransport();
    const { out, io } = collect();
    await t.exec(ref, 'runner', [shim, 'sh', '-c', 'echo "$BASH_VERSION" | cut -c1'], io);
    await t.exec(ref, 'runner', [shim, 'echo', 'applet'], io);
    expect(Buffer.concat(out).toString()).toMatch(/^\d\napplet\n$/);
  });
});
