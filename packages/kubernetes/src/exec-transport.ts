import querystring from 'node:querystring';
import type { V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import type { ContainerState, ExecIo, ExecResult, PodRef, PodTransport } from './pod-transport.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;
/** v5 adds closing stdin alone; the server picks the newest it speaks. */
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** Stdin goes out in frames this big, so a large upload does not become one giant websocket message. */
const STDIN_FRAME = 64 * 1024;

export interface ExecTransportOptions {
  /** Websocket ping interval; the connection counts as lost after two unanswered pings. */
  heartbeatMs?: number;
  /** How long opening the websocket may take (the heartbeat starts only once it is open). */
  handshakeTimeoutMs?: number;
}

/**
 * PodTransport over the API server's exec websocket (channel.k8s.io protocols). Frames are read
 * in order, so the status on channel 3 comes after every byte of stdout and stderr.
 */
export class KubeExecTransport implements PodTransport {
  private readonly heartbeatMs: number;
  private readonly handshakeTimeoutMs: number;

  constructor(
    private readonly connection: KubeConnection,
    options: ExecTransportOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
  }

  async exec(pod: PodRef, container: string, argv: string[], io: ExecIo): Promise<ExecResult> {
    const query = querystring.stringify({ stdout: true, stderr: true, stdin: io.stdin !== undefined, tty: false, command: argv, container });
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/exec?${query}`;
    let status: V1Status | undefined;
    let ws: WebSocket;
    try {
      ws = await this.open(path);
    } catch (error) {
      throw new Error(`exec into pod ${pod.name} container ${container} failed: ${messageOf(error)}`);
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      const stream = data[0];
      const payload = data.subarray(1);
      if (stream === STDOUT) io.onStdout(payload);
      else if (stream === STDERR) io.onStderr(payload);
      else if (stream === STATUS) {
        status = JSON.parse(payload.toString('utf8')) as V1Status;
        ws.close();
      }
    });

    return new Promise<ExecResult>((resolve, reject) => {
      let lostReason: string | undefined;
      let unanswered = 0;
      const heartbeat = setInterval(() => {
        if (++unanswered > 2) {
          lostReason = `no heartbeat answer for ${Math.round((this.heartbeatMs * 2) / 1000)} s`;
          ws.terminate();
        } else ws.ping();
      }, this.heartbeatMs);
      ws.on('pong', () => (unanswered = 0));
      const onAbort = () => {
        lostReason ??= 'aborted';
        ws.terminate();
      };
      io.signal?.addEventListener('abort', onAbort);
      ws.on('error', (error) => (lostReason ??= messageOf(error)));
      ws.on('close', (code) => {
        clearInterval(heartbeat);
        io.signal?.removeEventListener('abort', onAbort);
        if (!status) return resolve({ exitCode: undefined, lostReason: lostReason ?? `connection closed (${code}) without an exit status` });
        try {
          resolve({ exitCode: exitCodeOf(status) });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (io.signal?.aborted) onAbort();
      if (io.stdin) {
        sendStdin(ws, io.stdin).catch((error: unknown) => {
          lostReason ??= `sending stdin failed: ${messageOf(error)}`;
          ws.terminate();
        });
      }
    });
  }

  /** Opens the exec websocket with the kubeconfig's credentials (what client-node does, minus its stream plumbing). */
  private async open(path: string): Promise<WebSocket> {
    const server = this.connection.server.replace(/^http/, 'ws').replace(/\/$/, '');
    // A connection that goes silent during the upgrade would otherwise hold the step for good.
    const options: WebSocket.ClientOptions = { handshakeTimeout: this.handshakeTimeoutMs };
    await this.connection.config.applyToHTTPSOptions(options);
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${server}${path}`, PROTOCOLS, options);
      ws.once('open', () => {
        ws.removeListener('error', reject);
        resolve(ws);
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => {
          const message = (safeJson(body) as { message?: string } | undefined)?.message ?? body.trim();
          reject(new Error(`${message || 'upgrade refused'} (HTTP ${response.statusCode})`));
        });
      });
    });
  }

  async containerState(pod: PodRef, container: string): Promise<ContainerState> {
    try {
      const current = await this.connection.core.readNamespacedPod({ name: pod.name, namespace: pod.namespace });
      if (current.metadata?.deletionTimestamp) return { state: 'pod-gone' };
      const cs = current.status?.containerStatuses?.find((c) => c.name === container);
      if (cs?.state?.terminated) return { state: 'terminated', reason: cs.state.terminated.reason ?? 'Error', exitCode: cs.state.terminated.exitCode };
      if (cs?.state?.waiting) return { state: 'waiting', reason: cs.state.waiting.reason ?? 'Waiting' };
      return { state: 'running' };
    } catch (error) {
      if (isHttpStatus(error, 404)) return { state: 'pod-gone' };
      throw error;
    }
  }
}

interface StdinSocket {
  send(data: Buffer): void;
  protocol: string;
  bufferedAmount: number;
  readyState: number;
}

async function sendStdin(ws: StdinSocket, data: Buffer | AsyncIterable<Buffer>): Promise<void> {
  const chunks = Buffer.isBuffer(data) ? [data] : data;
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length; offset += STDIN_FRAME) {
      const part = chunk.subarray(offset, offset + STDIN_FRAME);
      const frame = Buffer.allocUnsafe(part.length + 1);
      frame[0] = STDIN;
      part.copy(frame, 1);
      if (ws.readyState !== 1) throw new Error('connection closed');
      ws.send(frame);
      // Backpressure: a large copy must not pile up in memory faster than the socket drains.
      while (ws.bufferedAmount > 4 * STDIN_FRAME && ws.readyState === 1) await new Promise((r) => setTimeout(r, 5));
    }
  }
  // v5 can close stdin alone; older protocols cannot (closing the socket would end the exec), so stdin stays open.
  if (ws.protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([CLOSE, STDIN]));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The exec status: Success, or Failure with an ExitCode cause; any other failure means the process never ran. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  throw new Error(`exec failed: ${status.message ?? status.reason ?? 'unknown error'}`);
}
