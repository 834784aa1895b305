import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { KubeConnection } from '../connection.js';
import { messageOf } from '../connection.js';

/** The kubelet's websocket port-forward protocol: binary frames, first byte the channel. */
const PROTOCOLS = ['v4.channel.k8s.io'];
const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
const DATA_PREFIX = Buffer.from([DATA_CHANNEL]);

export interface PortForwardOptions {
  /** Websocket ping interval; the connection counts as lost after two unanswered pings. */
  heartbeatMs: number;
  /** Gives up on the websocket handshake after this long. */
  handshakeTimeoutMs: number;
  /** Aborts the handshake (an open stream is ended with destroy()). */
  signal?: AbortSignal;
}

/**
 * One TCP connection to `port` of a pod, made by the API server's port-forward (`pods/portforward`)
 * and carried by one websocket, as a Duplex with backpressure both ways: a full reader pauses the
 * websocket (so the API server stops sending), and writes complete as the websocket hands them to
 * its socket. Pings every heartbeatMs; two unanswered (while not paused) lose the connection.
 *
 * The port-forward protocol cannot close one direction: end() closes the whole connection, and
 * so does the other side. A connection the kubelet could not make (nothing listening, the pod
 * gone) fails with the kubelet's message. Written here rather than with client-node's
 * PortForward, which ignores backpressure on its output and keeps no heartbeat.
 */
export async function openPortForward(connection: KubeConnection, pod: { namespace: string; name: string }, port: number, options: PortForwardOptions): Promise<Duplex> {
  const server = connection.server.replace(/^http/, 'ws').replace(/\/$/, '');
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/portforward?ports=${port}`;
  const wsOptions: WebSocket.ClientOptions = { handshakeTimeout: options.handshakeTimeoutMs };
  await connection.config.applyToHTTPSOptions(wsOptions);
  if (options.signal?.aborted) throw new Error('aborted');
  return new Promise<Duplex>((resolve, reject) => {
    const ws = new WebSocket(`${server}${path}`, PROTOCOLS, wsOptions);
    // Listening from the start: the first frames may come with the handshake's answer.
    const stream = new PortForwardStream(ws, options.heartbeatMs);
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(new Error(message));
    };
    const onAbort = () => fail('aborted');
    options.signal?.addEventListener('abort', onAbort);
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      stream.opened();
      resolve(stream);
    });
    ws.once('error', (error) => fail(messageOf(error)));
    ws.once('close', (code) => fail(`port-forward closed (${code}) during the handshake`));
    ws.once('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        const message = (safeJson(body) as { message?: string } | undefined)?.message ?? body.trim();
        fail(`${message || 'upgrade refused'} (HTTP ${response.statusCode})`);
        request.destroy();
      });
    });
  });
}

class PortForwardStream extends Duplex {
  /** The kubelet starts each channel with the port number (2 bytes): still to skip, per channel. */
  private readonly skip = [2, 2];
  private errorText = '';
  private lost: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unanswered = 0;
  private isOpen = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly heartbeatMs: number,
  ) {
    // Not half-open: when the websocket closes, so does the writing side.
    super({ allowHalfOpen: false });
    ws.on('message', (data: Buffer, isBinary: boolean) => isBinary && this.onMessage(data));
    ws.on('pong', () => (this.unanswered = 0));
    ws.on('error', (error) => (this.lost ??= messageOf(error)));
    ws.on('close', () => this.onClose());
  }

  opened(): void {
    this.isOpen = true;
    this.heartbeat = setInterval(() => {
      // Paused for a slow reader, the websocket reads nothing, pongs included: no answer is due.
      if (this.ws.isPaused) this.unanswered = 0;
      else if (++this.unanswered > 2) {
        const silent = this.heartbeatMs * 2;
        this.lost ??= `no heartbeat answer for ${silent >= 1000 ? `${Math.round(silent / 1000)} s` : `${silent} ms`}`;
        this.ws.terminate();
      } else this.ws.ping();
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private onMessage(data: Buffer): void {
    const channel = data[0];
    if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL) return;
    let payload = data.subarray(1);
    const skip = Math.min(this.skip[channel]!, payload.length);
    if (skip > 0) {
      this.skip[channel]! -= skip;
      payload = payload.subarray(skip);
    }
    if (payload.length === 0) return;
    if (channel === ERROR_CHANNEL) this.errorText += payload.toString('utf8');
    else if (!this.push(payload)) this.ws.pause();
  }

  /**
   * An error (the kubelet's, a lost websocket) fails the stream; any other close just ends it,
   * whatever its code, so that what was received and not yet read is still read: whether the
   * tunnelled connection was complete is for the frames on it to say, not for the close.
   */
  private onClose(): void {
    clearInterval(this.heartbeat);
    if (!this.isOpen) return;
    const error = this.errorText.trim() || this.lost;
    if (error) this.destroy(new Error(error));
    else this.push(null);
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** One websocket message; done once the websocket handed it to its socket. Writes after the close are dropped: the close reports why. */
  private send(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return callback();
    this.ws.send(Buffer.concat([DATA_PREFIX, ...chunks]), () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.heartbeat);
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.terminate();
    callback(error);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
