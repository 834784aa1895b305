import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeConnection } from '../connection.js';
import { LABELS } from '../pod-builder.js';
import { controlFrame, dataFrame, FrameReader } from './frames.js';
import { openReverseTunnel, ReverseTunnelError } from './open-reverse-tunnel.js';
import { buildRelayPod } from './relay-pod.js';
import { FRAME, RELAY_SCRIPT } from './relay-script.js';
import { TunnelPool } from './tunnel-pool.js';

describe('the relay pod', () => {
  const pod = buildRelayPod({
    name: 'kact-run-1-tunnel',
    namespace: 'ci',
    runId: 'run/1',
    labels: { 'kact.dev/job': 'build job' },
    image: 'kact.local/runner:trixie',
    frontPort: 8080,
    backPort: 8081,
    healthPort: 8082,
    waitMs: 10_000,
    idleMs: 30_000,
    deadlineSeconds: 7200,
  });

  it('carries the labels kact gc collects by, and no `$` in its command, which Kubernetes would expand', () => {
    expect(pod.metadata!.labels).toEqual({ [LABELS.runId]: 'run-1', [LABELS.managedBy]: 'kact', 'kact.dev/job': 'build-job', 'app.kubernetes.io/component': 'kact-reverse-tunnel' });
    const container = pod.spec!.containers[0]!;
    expect(container.command).toEqual(['node', '-e', RELAY_SCRIPT, '8080', '8081', '8082', '10000', '30000']);
    expect(RELAY_SCRIPT).not.toContain('$');
  });

  it('gets no token, no Service links, no grace period, small limits, and a readiness probe that opens no tunnelled connection', () => {
    const spec = pod.spec!;
    expect([spec.automountServiceAccountToken, spec.enableServiceLinks, spec.terminationGracePeriodSeconds]).toEqual([false, false, 0]);
    const container = spec.containers[0]!;
    expect(container.resources).toEqual({ requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '1', memory: '128Mi' } });
    expect(container.readinessProbe?.tcpSocket?.port).toBe(8082);
  });

  it('ends at its deadline, as a job pod does, should kact die without deleting it', () => {
    expect(pod.spec!.activeDeadlineSeconds).toBe(7200);
  });
});

describe('openReverseTunnel', () => {
  /** The pod it asks the API server for; the create is refused, so nothing else runs. */
  async function relayAskedFor(deadlineSeconds?: number): Promise<V1Pod | undefined> {
    let asked: V1Pod | undefined;
    const connection = {
      namespace: 'ci',
      core: {
        createNamespacedPod: async ({ body }: { body: V1Pod }) => {
          asked = body;
          throw new Error('refused by the test');
        },
      },
    } as unknown as KubeConnection;
    const opening = openReverseTunnel(connection, { runId: 'r1', target: { host: '127.0.0.1', port: 1 }, ...(deadlineSeconds !== undefined ? { deadlineSeconds } : {}) });
    await expect(opening).rejects.toThrow(ReverseTunnelError);
    return asked;
  }

  it('gives the relay pod a day when the caller sets no deadline, and the caller’s own otherwise', async () => {
    expect((await relayAskedFor())?.spec?.activeDeadlineSeconds).toBe(86_400);
    expect((await relayAskedFor(3 * 3600))?.spec?.activeDeadlineSeconds).toBe(10_800);
  });

  it('refuses a deadline that is not a positive whole number of seconds before creating anything', async () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) expect(await relayAskedFor(bad)).toBeUndefined();
  });
});

describe('the frame reader', () => {
  it('reads the same frames however the bytes are cut', () => {
    const payload = randomBytes(300);
    const bytes = Buffer.concat([controlFrame(FRAME.HELLO), controlFrame(FRAME.OPEN), dataFrame(payload), controlFrame(FRAME.PING), dataFrame(Buffer.from('x')), controlFrame(FRAME.END)]);
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      const frames: Array<[number, string]> = [];
      const reader = new FrameReader((type, data) => {
        const last = frames.at(-1);
        if (type === FRAME.DATA && last?.[0] === FRAME.DATA && last[1].length < 600) last[1] += data!.toString('hex');
        else frames.push([type, data ? data.toString('hex') : '']);
      });
      for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
      expect(frames).toEqual([
        [FRAME.HELLO, ''],
        [FRAME.OPEN, ''],
        [FRAME.DATA, payload.toString('hex')],
        [FRAME.PING, ''],
        [FRAME.DATA, '78'],
        [FRAME.END, ''],
      ]);
    }
  });
});

// The relay script run by this machine's node; kact's end dials its back port directly instead of through a port-forward.
describe('the tunnel, relay run locally', () => {
  const children: ChildProcess[] = [];
  const servers: Array<Server | HttpServer> = [];
  const pools: TunnelPool[] = [];
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const server of servers.splice(0)) server.close();
  });

  const relay = async (options: { waitMs?: number; idleMs?: number } = {}) => {
    const child = spawn(process.execPath, ['-e', RELAY_SCRIPT, '0', '0', '0', String(options.waitMs ?? 5000), String(options.idleMs ?? 0)], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    const ports = await new Promise<{ front: number; back: number }>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening: front port (\d+), back port (\d+)/.exec(stderr);
        if (m) resolve({ front: Number(m[1]), back: Number(m[2]) });
      });
      child.on('exit', (code) => reject(new Error(`relay exited with ${code}: ${stderr}`)));
    });
    return { ...ports, stderr: () => stderr };
  };

  /** The pool, dialling the relay's back port; `streams` are its back connections, to break them. */
  const tunnel = (back: number, targetPort: number, poolSize = 2, pingMs = 60_000) => {
    const streams: Duplex[] = [];
    const warnings: string[] = [];
    const pool = new TunnelPool({
      dial: () =>
        new Promise<Duplex>((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port: back });
          socket.once('connect', () => {
            streams.push(socket);
            resolve(socket);
          });
          socket.once('error', reject);
        }),
      target: { host: '127.0.0.1', port: targetPort },
      poolSize,
      pingMs,
      helloTimeoutMs: 5000,
      warn: (message) => warnings.push(message),
    });
    pools.push(pool);
    return { pool, streams, warnings };
  };

  // Tests reset target connections on purpose: a reset is no failure of the target server.
  const listen = async <T extends Server | HttpServer>(server: T): Promise<number> => {
    servers.push(server);
    server.on('connection', (socket: Socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  const listenOn = async (server: Server, port: number) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };

  /** Answers `<path> <sha256 of the body>` then the body. */
  const echoServer = () =>
    createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.end(Buffer.concat([Buffer.from(`${req.url} ${sha(body)}\n`), body]));
      });
    });

  const post = (port: number, path: string, body: Buffer) =>
    new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  /** A GET through the tunnel; `onFirstData` runs when the first bytes of the body arrive. Rejects when the body is cut. */
  const get = (port: number, path: string, onFirstData?: () => void) =>
    new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length === 0) onFirstData?.();
          chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
      });
      req.on('error', reject);
      req.end();
    });

  /** Connects to the front port, sends `data`, half-closes, and collects the answer until the connection closes. */
  const exchange = (port: number, data: Buffer, options: { endAfterMs?: number } = {}) =>
    new Promise<{ received: Buffer; error?: string }>((resolve) => {
      const chunks: Buffer[] = [];
      let error: string | undefined;
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => resolve({ received: Buffer.concat(chunks), ...(error ? { error } : {}) }));
      socket.write(data);
      if (options.endAfterMs === undefined) socket.end();
      else setTimeout(() => socket.end(), options.endAfterMs);
    });

  it('gives up waiting for the first connection after a few failed dials, with their error', async () => {
    const pool = new TunnelPool({
      dial: () => Promise.reject(new Error('pods "relay" is forbidden: cannot create resource "pods/portforward" (HTTP 403)')),
      target: { host: '127.0.0.1', port: 1 },
      poolSize: 2,
      pingMs: 60_000,
      helloTimeoutMs: 5000,
      warn: () => undefined,
    });
    pools.push(pool);
    await expect(pool.ready(60_000)).rejects.toThrow('cannot connect through the port-forward: pods "relay" is forbidden: cannot create resource "pods/portforward" (HTTP 403)');
  });

  it('carries 30 concurrent HTTP requests with bodies up to 1 MB both ways byte-exact, through a pool of 2', async () => {
    const target = await listen(echoServer());
    const { front, back } = await relay();
    const { pool } = tunnel(back, target);
    await pool.ready(5000);
    const bodies = Array.from({ length: 30 }, (_, i) => randomBytes(i === 0 ? 1024 * 1024 : i * 997));
    const answers = await Promise.all(bodies.map((body, i) => post(front, `/req/${i}`, body)));
    answers.forEach((answer, i) => expect(answer.equals(Buffer.concat([Buffer.from(`/req/${i} ${sha(bodies[i]!)}\n`), bodies[i]!]))).toBe(true));
    expect(pool.stats()).toMatchObject({ opened: 30, dialFailures: 0 });
  });

  it('keeps half-closes: a client that ends its sending side gets the whole answer, and a target that answers and ends first still gets the rest', async () => {
    // The target answers each connection once the client has finished sending: the length it got, and a tail 200 ms later.
    let clientSent = 0;
    const target = await listen(
      createServer({ allowHalfOpen: true }, (socket) => {
        let got = 0;
        socket.on('data', (c: Buffer) => (got += c.length));
        socket.on('end', () => {
          socket.write(`got ${got}\n`);
          setTimeout(() => socket.end('tail\n'), 200);
        });
      }),
    );
    const { front, back } = await relay();
    const { pool } = tunnel(back, target);
    await pool.ready(5000);
    const data = randomBytes(200_000);
    expect(await exchange(front, data)).toEqual({ received: Buffer.from('got 200000\ntail\n') });

    // The other way round: the target sends everything and ends; the client keeps sending for a while, and the target still receives it all.
    const other = await listen(
      createServer({ allowHalfOpen: true }, (socket) => {
        socket.end('hello\n');
        let got = 0;
        socket.on('data', (c: Buffer) => (got += c.length));
        socket.on('end', () => (clientSent = got));
      }),
    );
    pool.close();
    await settle();
    const second = tunnel(back, other);
    await second.pool.ready(5000);
    expect(await exchange(front, data, { endAfterMs: 300 })).toEqual({ received: Buffer.from('hello\n') });
    await until(() => clientSent === 200_000);
  });

  it('resets the client when the target refuses, and serves the next connection', async () => {
    const port = await freePort();
    const { front, back } = await relay();
    const { pool } = tunnel(back, port);
    await pool.ready(5000);
    const refused = await exchange(front, Buffer.from('hello'));
    expect(refused.received.length).toBe(0);
    expect(refused.error).toBe('ECONNRESET');
    // The target comes up on that port: the tunnel works.
    await listenOn(createServer((socket) => socket.end('up\n')), port);
    await until(async () => (await exchange(front, Buffer.alloc(0))).received.toString() === 'up\n');
  });

  it('holds a connection that finds no back connection until one comes, and closes it when none comes in time', async () => {
    const target = await listen(echoServer());
    const { front, back, stderr } = await relay({ waitMs: 400 });
    // Nothing dialled yet: the first connection waits for the pool, which starts 200 ms later.
    const waiting = post(front, '/early', Buffer.from('early'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { pool } = tunnel(back, target);
    expect((await waiting).toString()).toBe(`/early ${sha(Buffer.from('early'))}\nearly`);
    pool.close();
    await settle();
    // No pool at all: closed after 400 ms, without an answer.
    const late = await exchange(front, Buffer.from('GET / HTTP/1.0\r\n\r\n'), { endAfterMs: 5000 });
    expect(late.received.length).toBe(0);
    expect(stderr()).toContain('no connection from kact within 400 ms');
  });

  it('replaces back connections that close, idle or busy; a download cut by a broken one fails rather than looking complete', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const target = await listen(createHttpServer((_req, res) => res.end(big)));
    const { front, back } = await relay();
    const { pool, streams, warnings } = tunnel(back, target, 2);
    await until(() => pool.stats().idle === 2);
    // The relay restarted, or the API server dropped the websockets: every idle back connection closes.
    for (const stream of streams.splice(0)) stream.destroy();
    await until(() => streams.length === 2 && pool.stats().idle === 2);
    await settle();
    expect((await get(front, '/whole')).equals(big)).toBe(true);
    await settle();

    // A back connection that breaks mid-download (its websocket lost): the client gets an error, never a short body.
    const cut = get(front, '/cut', () => streams.find((s) => !s.destroyed && (s as Socket).bytesRead > 1)?.destroy());
    await expect(cut).rejects.toThrow(/aborted|ECONNRESET|socket hang up/);
    await settle();
    expect((await get(front, '/after')).equals(big)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('close() ends the tunnelled connections', async () => {
    const target = await listen(createServer((socket) => socket.write('started\n')));
    const { front, back } = await relay();
    const { pool } = tunnel(back, target);
    await pool.ready(5000);
    const open = exchange(front, Buffer.from('x'), { endAfterMs: 60_000 });
    await until(() => pool.stats().active === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    pool.close();
    const outcome = await open;
    expect(outcome).toEqual({ received: Buffer.from('started\n'), error: 'ECONNRESET' });
  });

  it('drops back connections kact stopped pinging, and kact dials new ones', async () => {
    const target = await listen(echoServer());
    const { front, back, stderr } = await relay({ idleMs: 300 });
    // Pings every 100 ms: nothing is dropped.
    const { pool } = tunnel(back, target, 1, 100);
    await pool.ready(5000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(stderr()).not.toContain('no keepalive');
    pool.close();
    await settle();
    // No pings: the relay drops the idle connection after 300 ms, the pool dials a fresh one, and the tunnel still works.
    const silent = tunnel(back, target, 1, 3_600_000);
    await silent.pool.ready(5000);
    await until(() => stderr().includes('no keepalive from kact for 300 ms; dropping an idle connection'));
    expect((await post(front, '/after', Buffer.from('x'))).toString()).toBe(`/after ${sha(Buffer.from('x'))}\nx`);
  });

  it('keeps a connection whose client stops reading for a while, longer than the keepalive limit', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const target = await listen(createServer((socket) => socket.end(big)));
    const { front, back, stderr } = await relay({ idleMs: 300 });
    const { pool } = tunnel(back, target, 1, 100);
    await pool.ready(5000);
    // The client reads nothing for a second: the relay stops reading from kact (backpressure), and must not take that for a dead kact.
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect({ host: '127.0.0.1', port: front });
      socket.pause();
      setTimeout(() => socket.resume(), 1000);
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('end', () => resolve(Buffer.concat(chunks)));
    });
    expect(received.equals(big)).toBe(true);
    expect(stderr()).not.toContain('no keepalive');
  });
});

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Time for the relay to see closed back connections go before the next front connection comes. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200));
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
