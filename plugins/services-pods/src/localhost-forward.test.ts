import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServiceJob, ServiceRequest } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { checkPublishedPorts, FORWARD_CONTAINER, FORWARD_HEALTH_OPTIONS, FORWARD_ID, FORWARD_SCRIPT, forwarderRequest, routeArgument } from './localhost-forward.js';
import { PodServiceNetworking } from './pod-service-networking.js';

// start() waits for each service pod with @kact/kubernetes' watcher: here every pod runs at once.
vi.mock('@kact/kubernetes', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@kact/kubernetes')>()),
  waitForPodRunning: vi.fn(async (_connection: unknown, pod: { metadata: { name: string } }) => ({ ...pod, status: { phase: 'Running', podIP: '10.244.0.99' } })),
}));

const job: ServiceJob = { runId: 'run-1', podName: 'kact-run-1-build', namespace: 'ci', labels: {} };

const service = (id: string, ports: Array<[number, number]>): ServiceRequest => ({
  id,
  ports: ports.map(([published, container]) => ({ published, container })),
  container: { name: `svc-${id}`, image: 'kact.local/runner:trixie', env: {}, ports: ports.map(([, c]) => c), keepAlive: false },
});

/** A connection whose API hands out ClusterIPs 10.96.0.1, .2, … in creation order and lists every pod as a ready endpoint. */
function fakeConnection() {
  const calls: string[] = [];
  let next = 0;
  const connection = {
    namespace: 'ci',
    core: {
      createNamespacedService: async ({ body }: { body: { metadata: { name: string }; spec: object } }) => {
        calls.push(`service/${body.metadata.name}`);
        return { ...body, spec: { ...body.spec, clusterIP: `10.96.0.${++next}` } };
      },
      createNamespacedPod: async ({ body }: { body: { metadata: { name: string } } }) => {
        calls.push(`pod/${body.metadata.name}`);
        return body;
      },
    },
    config: {
      makeApiClient: () => ({
        listNamespacedEndpointSlice: async ({ labelSelector }: { labelSelector: string }) => {
          const name = labelSelector.split('=')[1];
          return { items: [{ endpoints: [{ targetRef: { name }, conditions: { ready: true } }] }] };
        },
      }),
    },
  };
  return { connection: connection as unknown as KubeConnection, calls };
}

describe('the forwarder request start returns', () => {
  it('adds one kact-svc-forward container to inPod, one LISTEN_PORT=CLUSTER_IP:PORT argument per published port', async () => {
    const { connection } = fakeConnection();
    // Started one at a time so that the ClusterIPs follow the order of the services.
    const networking = new PodServiceNetworking(connection);
    const started = await networking.start(
      job,
      [
        service('redis', [[6379, 6379]]),
        service('web', [
          [8080, 80],
          [8443, 443],
        ]),
        service('worker', []),
      ],
      new AbortController().signal,
    );
    const ip = (id: string) => started.endpoints[id]!.host;
    expect(ip('worker')).toBe('10.244.0.99');
    expect(started.inPod).toEqual([
      {
        id: FORWARD_ID,
        ports: [],
        container: {
          name: FORWARD_CONTAINER,
          image: 'kact.local/runner:trixie',
          env: {},
          entrypoint: ['node', '-e', FORWARD_SCRIPT],
          args: [`6379=${ip('redis')}:6379`, `8080=${ip('web')}:8080`, `8443=${ip('web')}:8443`],
          ports: [],
          keepAlive: false,
          options: FORWARD_HEALTH_OPTIONS,
        },
      },
    ]);
    expect(new Set([ip('redis'), ip('web')])).toEqual(new Set(['10.96.0.1', '10.96.0.2']));
    // Endpoints stay as they were: the ClusterIP, container port → published port.
    expect(started.endpoints['web']).toEqual({ container: 'kact-run-1-build-svc-web', host: ip('web'), ports: { '80': '8080', '443': '8443' } });
    expect(started.hostAliases.map((a) => a.hostnames[0])).toEqual(['redis', 'web', 'worker']);
  });

  it('forwards a port a service publishes twice once, to the Service port that got it, and takes the image from the settings', async () => {
    const { connection } = fakeConnection();
    const networking = new PodServiceNetworking(connection, { toolsImage: 'registry.example/tools:1' });
    const started = await networking.start(
      job,
      [
        service('web', [
          [8080, 80],
          [8080, 81],
        ]),
      ],
      new AbortController().signal,
    );
    expect(started.inPod).toHaveLength(1);
    expect(started.inPod[0]!.container).toMatchObject({ image: 'registry.example/tools:1', args: ['8080=10.96.0.1:8080'] });
    expect(started.warnings).toEqual(['service web: port 8080 is published twice; 8080:81 ignored']);
  });

  it('adds no forwarder when no service publishes a port', async () => {
    const { connection } = fakeConnection();
    const started = await new PodServiceNetworking(connection).start(job, [service('worker', [])], new AbortController().signal);
    expect(started.inPod).toEqual([]);
  });

  it('rejects two services that publish the same port, naming both, before creating anything', async () => {
    const { connection, calls } = fakeConnection();
    const networking = new PodServiceNetworking(connection);
    const services = [service('cache', [[6379, 6379]]), service('web', [[8080, 80]]), service('redis', [[6379, 6380]])];
    await expect(networking.start(job, services, new AbortController().signal)).rejects.toThrow(
      'services cache and redis both publish port 6379: a port can be published once, as Docker binds each host port to one container',
    );
    expect(calls).toEqual([]);
    expect(() => checkPublishedPorts([service('a', [[80, 80]]), service('b', [[8080, 80]])])).not.toThrow();
  });

  it('builds the request from routes: brackets around an IPv6 ClusterIP, nothing without routes', () => {
    expect(routeArgument({ service: 'db', host: 'fd00:10:96::a', port: 5432 })).toBe('5432=[fd00:10:96::a]:5432');
    expect(forwarderRequest([], 'img')).toBeUndefined();
    expect(forwarderRequest([{ service: 'db', host: '10.96.0.7', port: 5432 }], 'img')?.container.args).toEqual(['5432=10.96.0.7:5432']);
  });

  it('puts no `$` into the container command, which Kubernetes would expand', () => {
    expect(FORWARD_SCRIPT).not.toContain('$');
    expect(FORWARD_HEALTH_OPTIONS).not.toContain('$');
  });
});

// The script itself, run with this node against local servers.
describe('the forwarder script', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kact-forward-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const server of servers.splice(0)) server.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The forwarder's readiness probe connects to each target and drops the connection at once: a reset is no failure here.
  const listen = async (onConnection: (socket: Socket) => void, options: { allowHalfOpen?: boolean } = {}): Promise<number> => {
    const server = createServer(options, (socket) => {
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  /** A port nothing listens on (just released by a server). */
  const freePort = async (): Promise<number> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  /** Runs the script as the pod does (`node -e SCRIPT ROUTE…`); resolves once it is ready, or with its exit. */
  const forwarder = async (routes: string[], env: Record<string, string> = {}) => {
    const ready = join(dir, `ready-${children.length}-${Date.now()}`);
    const child = spawn(process.execPath, ['-e', FORWARD_SCRIPT, ...routes], { env: { ...process.env, KACT_FORWARD_READY: ready, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const code = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20))]);
      if (code !== undefined) return { ready: false, code, stderr: () => stderr };
      if (existsSync(ready)) return { ready: true, code: undefined, stderr: () => stderr, readyText: await readFile(ready, 'utf8') };
      if (Date.now() > deadline) throw new Error(`forwarder not ready: ${stderr}`);
    }
  };

  /** Connects, sends `data` then half-closes, and collects what comes back until the connection closes. */
  const exchange = (port: number, data: Buffer) =>
    new Promise<{ received: Buffer; error?: string }>((resolve) => {
      const chunks: Buffer[] = [];
      let error: string | undefined;
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => socket.end(data));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (e) => (error = e.message));
      socket.on('close', () => resolve({ received: Buffer.concat(chunks), ...(error ? { error } : {}) }));
    });

  it('pipes bytes both ways to each target, after the client half-closes too, and closes a client whose target is closed', async () => {
    // An upper-casing server that answers only once the client has finished sending (a half-close).
    const upper = await listen(
      (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => socket.end(Buffer.from(Buffer.concat(chunks).toString('latin1').toUpperCase(), 'latin1')));
      },
      { allowHalfOpen: true },
    );
    // A hashing server: answers the byte count and sum of a large upload, then sends 3 MB back.
    const big = await listen(
      (socket) => {
        let count = 0;
        let sum = 0;
        socket.on('data', (c: Buffer) => {
          count += c.length;
          for (const b of c) sum = (sum + b) % 65521;
        });
        socket.on('end', () => {
          socket.write(`${count} ${sum}\n`);
          socket.end(Buffer.alloc(3 * 1024 * 1024, 0x61));
        });
      },
      { allowHalfOpen: true },
    );
    const [p1, p2, p3, closed] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    // The closed target never answers: the forwarder gives up waiting for it after KACT_FORWARD_PROBE_MS and says so.
    const fwd = await forwarder([`${p1}=127.0.0.1:${upper}`, `${p2}=[127.0.0.1]:${big}`, `${p3}=127.0.0.1:${closed}`], { KACT_FORWARD_PROBE_MS: '300' });
    expect(fwd).toMatchObject({ ready: true, readyText: `${p1} ${p2} ${p3}\n` });
    expect(fwd.stderr()).toContain(`localhost:${p1} -> 127.0.0.1:${upper}`);
    expect(fwd.stderr()).toContain(`127.0.0.1:${closed} did not accept a connection within 300 ms; forwarding anyway`);

    expect((await exchange(p1, Buffer.from('hello redis\r\n'))).received.toString()).toBe('HELLO REDIS\r\n');
    const upload = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < upload.length; i++) upload[i] = (i * 7) % 251;
    let sum = 0;
    for (const b of upload) sum = (sum + b) % 65521;
    const [answer, again] = await Promise.all([exchange(p2, upload), exchange(p1, Buffer.from('twice'))]);
    const text = answer.received.toString('latin1');
    expect(text.slice(0, text.indexOf('\n') + 1)).toBe(`${upload.length} ${sum}\n`);
    expect(answer.received.length - text.indexOf('\n') - 1).toBe(3 * 1024 * 1024);
    expect(again.received.toString()).toBe('TWICE');

    // The target refuses: the client's connection is closed (else the exchange never settles), with nothing received.
    const refused = await exchange(p3, Buffer.from('anyone?'));
    expect(refused.received.length).toBe(0);
    // The forwarder lives on and still forwards.
    expect((await exchange(p1, Buffer.from('still here'))).received.toString()).toBe('STILL HERE');
  });

  it('is ready only once its target accepts connections, as a Service is once kube-proxy routes it', async () => {
    const late = await freePort();
    const port = await freePort();
    const started = forwarder([`${port}=127.0.0.1:${late}`]);
    let listenedAt = 0;
    // The readiness probe connects and resets at once: its socket's error is expected.
    const server = createServer((socket) => socket.on('error', () => undefined).end('late but here\n'));
    servers.push(server);
    setTimeout(() => server.listen(late, '127.0.0.1', () => (listenedAt = Date.now())), 600);
    const fwd = await started;
    const readyAt = Date.now();
    expect(fwd).toMatchObject({ ready: true });
    expect(listenedAt).toBeGreaterThan(0);
    expect(readyAt).toBeGreaterThanOrEqual(listenedAt);
    expect((await exchange(port, Buffer.alloc(0))).received.toString()).toBe('late but here\n');
  });

  it('ends the client when the target closes first, and the target when the client does', async () => {
    // One record per target: their connections close independently, in no set order.
    const greeterSaw: string[] = [];
    const listenerSaw: string[] = [];
    const greeter = await listen((socket) => {
      socket.on('close', () => greeterSaw.push('closed'));
      socket.end('bye\n');
    });
    const listener = await listen((socket) => {
      socket.on('data', (c: Buffer) => listenerSaw.push(c.toString()));
      socket.on('close', () => listenerSaw.push('closed'));
    });
    const [p1, p2] = await Promise.all([freePort(), freePort()]);
    expect(await forwarder([`${p1}=127.0.0.1:${greeter}`, `${p2}=127.0.0.1:${listener}`])).toMatchObject({ ready: true });
    // Each target saw the readiness probe connect and go: forget it.
    await vi.waitFor(() => expect([greeterSaw, listenerSaw]).toEqual([['closed'], ['closed']]), { timeout: 5000 });
    greeterSaw.length = 0;
    listenerSaw.length = 0;
    // The target sends and closes; the client gets it all and then the end (without sending anything).
    const received = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(p1, '127.0.0.1');
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(received).toBe('bye\n');
    // The client sends and goes away: the target gets the bytes and its connection closes.
    const socket = connect(p2, '127.0.0.1', () => socket.end('last words'));
    await vi.waitFor(() => expect(listenerSaw).toEqual(['last words', 'closed']), { timeout: 5000 });
    await vi.waitFor(() => expect(greeterSaw).toEqual(['closed']), { timeout: 5000 });
  });

  it('drops the target connection when the client resets, even while the target keeps sending', async () => {
    // Per connection: the first is the forwarder's readiness probe, the second the client's.
    const closed: boolean[] = [];
    const chatty = await listen(
      (socket) => {
        const index = closed.push(false) - 1;
        const timer = setInterval(() => socket.write('tick\n'), 20);
        socket.on('close', () => {
          clearInterval(timer);
          closed[index] = true;
        });
      },
      { allowHalfOpen: true },
    );
    const port = await freePort();
    expect(await forwarder([`${port}=127.0.0.1:${chatty}`])).toMatchObject({ ready: true });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('data', resolve));
    expect(closed).toHaveLength(2);
    socket.resetAndDestroy();
    await vi.waitFor(() => expect(closed).toEqual([true, true]), { timeout: 5000 });
  });

  it('exits 1 saying why when a port is taken or a route is malformed', async () => {
    const taken = await listen(() => undefined);
    const fwd = await forwarder([`${taken}=127.0.0.1:1`]);
    expect(fwd).toMatchObject({ ready: false, code: 1 });
    expect(fwd.stderr()).toContain(`cannot listen on 127.0.0.1:${taken}: listen EADDRINUSE`);
    const bad = await forwarder(['6379=:6379']);
    expect(bad).toMatchObject({ ready: false, code: 1 });
    expect(bad.stderr()).toContain('bad route "6379=:6379": want LISTEN_PORT=HOST:PORT');
  });
});
