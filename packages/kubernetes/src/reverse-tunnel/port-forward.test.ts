import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeConnection } from '../connection.js';
import { openPortForward } from './port-forward.js';

/** Port 8081, as the kubelet starts each channel with it: little-endian. */
const PORT_BYTES = [0x91, 0x1f];
const PATH = '/api/v1/namespaces/ci/pods/relay/portforward?ports=8081';

/** A stand-in API server: `onSocket` plays the kubelet's side of each port-forward websocket; other paths are refused with 403. */
async function fakeApiServer(onSocket: (ws: WebSocket, request: IncomingMessage) => void, options: { autoPong?: boolean } = {}) {
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true, handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  const server: Server = createServer();
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (request.url !== PATH) {
      const body = JSON.stringify({ kind: 'Status', message: 'pods "other" is forbidden: User "ci" cannot create resource "pods/portforward"' });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => onSocket(ws, request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = new KubeConfig();
  config.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const connection: KubeConnection = { config, namespace: 'ci', context: 'x', server: url, core: config.makeApiClient(CoreV1Api) };
  return { connection, close: () => new Promise((resolve) => server.close(resolve)) };
}

const frame = (channel: number, ...parts: Array<number[] | string>) => Buffer.concat([Buffer.from([channel]), ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))]);

/** Everything the stream yields until it ends, or its error. */
const drain = (stream: Duplex) =>
  new Promise<{ data: string; error?: string }>((resolve) => {
    let data = '';
    stream.on('data', (c: Buffer) => (data += c.toString()));
    stream.on('error', (e) => resolve({ data, error: e.message }));
    stream.on('end', () => resolve({ data }));
  });

describe('a port-forward stream', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  const open = async (onSocket: (ws: WebSocket, request: IncomingMessage) => void, options: { autoPong?: boolean; heartbeatMs?: number; pod?: string } = {}) => {
    const api = await fakeApiServer(onSocket, options);
    closers.push(api.close);
    return openPortForward(api.connection, { namespace: 'ci', name: options.pod ?? 'relay' }, 8081, { heartbeatMs: options.heartbeatMs ?? 10_000, handshakeTimeoutMs: 5000 });
  };

  it('skips the port number the kubelet starts each channel with, however it is cut into messages, and carries bytes both ways', async () => {
    let received = '';
    const channels = new Set<number>();
    const stream = await open((ws) => {
      // Port number in a message of its own on the error channel, split and glued to data on the data channel.
      ws.send(frame(1, PORT_BYTES));
      ws.send(frame(0, [PORT_BYTES[0]!]));
      ws.send(frame(0, [PORT_BYTES[1]!], 'hel'));
      ws.send(frame(0, 'lo'));
      ws.on('message', (data: Buffer) => {
        channels.add(data[0]!);
        received += data.subarray(1).toString();
        if (received.endsWith('bye')) ws.close(1000);
      });
    });
    const out = drain(stream);
    stream.write('ping');
    stream.write('bye');
    expect(await out).toEqual({ data: 'hello' });
    expect([received, [...channels]]).toEqual(['pingbye', [0]]);
  });

  it("fails with the kubelet's message when it cannot connect to the port", async () => {
    const message = 'error forwarding port 8081 to pod 1234, uid : failed to connect to localhost:8081 inside namespace "1234": connection refused';
    const stream = await open((ws) => {
      ws.send(frame(0, PORT_BYTES));
      ws.send(frame(1, PORT_BYTES));
      ws.send(frame(1, message));
      ws.close(1000);
    });
    expect(await drain(stream)).toEqual({ data: '', error: message });
  });

  it("rejects with the API server's reason when it refuses the port-forward", async () => {
    await expect(open(() => undefined, { pod: 'other' })).rejects.toThrow('pods "other" is forbidden: User "ci" cannot create resource "pods/portforward" (HTTP 403)');
  });

  it('is lost when pings go unanswered', async () => {
    const stream = await open((ws) => ws.send(frame(0, PORT_BYTES)), { autoPong: false, heartbeatMs: 50 });
    expect(await drain(stream)).toEqual({ data: '', error: 'no heartbeat answer for 100 ms' });
  });

  it('is not lost while its reader is slow: pongs wait behind unread data', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    const stream = await open(
      (ws) => {
        ws.send(frame(0, PORT_BYTES));
        for (let i = 0; i < 64; i++) ws.send(frame(0, chunk));
        ws.send(frame(0, 'end'), () => setTimeout(() => ws.close(1000), 600));
      },
      { heartbeatMs: 50 },
    );
    stream.pause();
    const out = drain(stream);
    await new Promise((resolve) => setTimeout(resolve, 400));
    stream.resume();
    const result = await out;
    expect([result.data.length, result.error]).toEqual([64 * chunk.length + 3, undefined]);
  });

  it('ends when the other side closes, after every byte it sent and nobody has read yet, whatever the close code', async () => {
    for (const close of [(ws: WebSocket) => ws.close(4000, 'gone'), (ws: WebSocket) => ws.terminate()]) {
      const stream = await open((ws) => {
        ws.send(frame(0, PORT_BYTES));
        for (let i = 0; i < 3; i++) ws.send(frame(0, String(i).repeat(1000)));
        ws.send(frame(0, 'end'), () => close(ws));
      });
      // Nobody reads while the websocket closes: what came stays readable.
      stream.pause();
      const out = drain(stream);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stream.resume();
      expect(await out).toEqual({ data: `${'0'.repeat(1000)}${'1'.repeat(1000)}${'2'.repeat(1000)}end` });
    }
  });
});
