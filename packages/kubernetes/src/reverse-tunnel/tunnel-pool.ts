import { setMaxListeners } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { messageOf } from '../connection.js';
import { controlFrame, dataFrame, FrameReader } from './frames.js';
import { FRAME } from './relay-script.js';

export interface TunnelTarget {
  host: string;
  port: number;
}

export interface TunnelPoolOptions {
  /** Opens one back connection to the relay (through the API server's port-forward, or a plain socket in tests). */
  dial: (signal: AbortSignal) => Promise<Duplex>;
  /** Where tunnelled connections go, on this machine. */
  target: TunnelTarget;
  /** How many idle back connections to keep (connecting ones count). */
  poolSize: number;
  /** How often to send PING on every back connection; the relay drops one silent for its IDLE_MS. */
  pingMs: number;
  /** A dialled back connection without HELLO after this long is dropped. */
  helloTimeoutMs: number;
  warn: (message: string) => void;
}

export interface TunnelStats {
  /** Back connections being dialled or waiting for HELLO. */
  connecting: number;
  /** Back connections the relay holds for the next front connection. */
  idle: number;
  /** Back connections carrying a tunnelled connection. */
  active: number;
  /** Tunnelled connections so far. */
  opened: number;
  /** Back connections that never got as far as HELLO. */
  dialFailures: number;
}

type BackState = 'connecting' | 'idle' | 'active' | 'gone';

interface Back {
  state: BackState;
  stream?: Duplex;
  /** Why the back connection failed, as its transport said. */
  error?: string;
  helloTimer?: NodeJS.Timeout;
  local?: Socket;
  /** The relay sent END: the front connection sends nothing more. */
  endReceived: boolean;
  /** The target ended its sending side and END went to the relay. */
  endSent: boolean;
}

const MAX_BACKOFF_MS = 5000;
/** At most this many back connections idle or being dialled because the relay asked for more (or 4 × the pool size). */
const MAX_EXTRA = 32;
/** ready() gives up after this many failed dials in a row, once they have gone on for READY_FAILING_MS. */
const READY_ATTEMPTS = 5;
const READY_FAILING_MS = 2000;

/**
 * kact's end of the reverse tunnel: keeps `poolSize` idle back connections open to the relay,
 * and when the relay pairs one with a front connection (OPEN) connects to the target and
 * carries bytes both ways in frames, then dials a fresh back connection in its place (and one
 * more each time the relay says a front connection is waiting: WANT). A back
 * connection that closes (the relay restarted, the API server dropped the websocket) is
 * replaced; failed dials are retried with a backoff (100 ms doubling to 5 s), with one warning
 * when they start failing and one when they work again.
 */
export class TunnelPool {
  private readonly backs = new Set<Back>();
  private readonly abort = new AbortController();
  private readonly pinger: NodeJS.Timeout;
  private backoffTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private failingSince = 0;
  private lastError = '';
  private opened = 0;
  private dialFailures = 0;
  private closed = false;
  private readyWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private everReady = false;

  constructor(private readonly options: TunnelPoolOptions) {
    // Every dial in progress listens on it: a burst has more than the default 10.
    setMaxListeners(0, this.abort.signal);
    this.pinger = setInterval(() => this.ping(), options.pingMs);
    this.pinger.unref();
    this.fill();
  }

  /**
   * Resolves once a back connection has reached the relay (HELLO). Rejects with the last dial
   * error once dials have failed READY_ATTEMPTS times in a row for READY_FAILING_MS (a refused
   * port-forward fails every time), or after timeoutMs.
   */
  ready(timeoutMs: number): Promise<void> {
    if (this.everReady) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new Error(`no connection through the port-forward within ${Math.round(timeoutMs / 1000)} s${this.lastError ? `: ${this.lastError}` : ''}`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  stats(): TunnelStats {
    const count = (state: BackState) => [...this.backs].filter((b) => b.state === state).length;
    return { connecting: count('connecting'), idle: count('idle'), active: count('active'), opened: this.opened, dialFailures: this.dialFailures };
  }

  /** Ends every connection, tunnelled ones included, and dials no more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    clearTimeout(this.backoffTimer);
    this.abort.abort();
    for (const back of this.backs) {
      clearTimeout(back.helloTimer);
      back.state = 'gone';
      if (back.local) resetSocket(back.local);
      back.stream?.destroy();
    }
    this.backs.clear();
  }

  private fill(): void {
    if (this.closed || this.backoffTimer) return;
    let waiting = 0;
    for (const back of this.backs) if (back.state === 'connecting' || back.state === 'idle') waiting++;
    for (; waiting < this.options.poolSize; waiting++) this.spawn();
  }

  /** One back connection more than the pool keeps, for a front connection waiting on the relay (WANT); capped. */
  private spawnExtra(): void {
    if (this.closed || this.backoffTimer) return;
    let waiting = 0;
    for (const back of this.backs) if (back.state === 'connecting' || back.state === 'idle') waiting++;
    if (waiting < Math.max(MAX_EXTRA, 4 * this.options.poolSize)) this.spawn();
  }

  private spawn(): void {
    const back: Back = { state: 'connecting', endReceived: false, endSent: false };
    this.backs.add(back);
    this.options.dial(this.abort.signal).then(
      (stream) => {
        if (this.closed || back.state === 'gone') {
          stream.destroy();
          return;
        }
        back.stream = stream;
        const reader = new FrameReader((type, data) => this.onFrame(back, type, data));
        stream.on('data', (chunk: Buffer) => reader.push(chunk));
        stream.on('error', (error) => (back.error ??= messageOf(error)));
        stream.on('close', () => this.onGone(back));
        back.helloTimer = setTimeout(() => {
          back.error ??= `the relay did not answer within ${this.options.helloTimeoutMs} ms`;
          stream.destroy();
        }, this.options.helloTimeoutMs);
      },
      (error: unknown) => {
        this.backs.delete(back);
        if (this.closed) return;
        this.dialFailed(messageOf(error));
      },
    );
  }

  private onFrame(back: Back, type: number, data: Buffer | undefined): void {
    const stream = back.stream!;
    if (type === FRAME.WANT && back.state !== 'gone') {
      this.spawnExtra();
    } else if (back.state === 'connecting' && type === FRAME.HELLO) {
      clearTimeout(back.helloTimer);
      back.state = 'idle';
      this.connected();
    } else if (back.state === 'idle' && type === FRAME.OPEN) {
      back.state = 'active';
      this.opened++;
      // The target first: the dial that refills the pool can wait for the next turn of the event loop.
      this.connectTarget(back, stream);
      setImmediate(() => this.fill());
    } else if (back.state === 'active' && type === FRAME.DATA) {
      if (back.local && !back.local.destroyed && !back.local.write(data!)) stream.pause();
    } else if (back.state === 'active' && type === FRAME.END) {
      back.endReceived = true;
      back.local?.end();
    } else if (back.state === 'active' && type === FRAME.RESET) {
      if (back.local) resetSocket(back.local);
      stream.destroy();
    } else if (back.state !== 'gone') {
      back.error ??= `unexpected frame ${type} from the relay on a ${back.state} connection`;
      this.options.warn(`reverse tunnel: ${back.error}`);
      if (back.local) resetSocket(back.local);
      stream.destroy();
    }
  }

  private connectTarget(back: Back, stream: Duplex): void {
    const local = connect({ host: this.options.target.host, port: this.options.target.port, allowHalfOpen: true });
    back.local = local;
    local.setNoDelay(true);
    local.on('data', (chunk: Buffer) => {
      if (!send(stream, dataFrame(chunk))) local.pause();
    });
    stream.on('drain', () => local.resume());
    local.on('drain', () => stream.resume());
    local.on('end', () => {
      back.endSent = true;
      send(stream, controlFrame(FRAME.END));
    });
    local.on('error', () => undefined);
    local.on('close', (hadError) => {
      // A clean close: both directions ended, and END went both ways. Anything else resets the front connection.
      if (hadError || !back.endSent) send(stream, controlFrame(FRAME.RESET));
      if (!stream.destroyed) stream.end();
    });
  }

  private onGone(back: Back): void {
    clearTimeout(back.helloTimer);
    const was = back.state;
    back.state = 'gone';
    this.backs.delete(back);
    if (this.closed) return;
    // With END both ways the local socket only has our last writes to flush; otherwise its other end is lost.
    if (back.local && !(back.endReceived && back.endSent)) resetSocket(back.local);
    if (was === 'connecting') this.dialFailed(back.error ?? 'the connection closed before the relay answered');
    else this.fill();
  }

  private connected(): void {
    if (this.failures > 0) this.options.warn(`reverse tunnel: connected to the relay again after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'}`);
    this.failures = 0;
    this.everReady = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  private dialFailed(message: string): void {
    this.dialFailures++;
    this.lastError = message;
    if (this.failures++ === 0) {
      this.failingSince = Date.now();
      if (this.everReady) this.options.warn(`reverse tunnel: cannot connect to the relay: ${message}; retrying`);
    }
    if (!this.everReady && this.failures >= READY_ATTEMPTS && Date.now() - this.failingSince >= READY_FAILING_MS) {
      for (const waiter of this.readyWaiters.splice(0)) waiter.reject(new Error(`cannot connect through the port-forward: ${message}`));
    }
    if (this.backoffTimer) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures - 1, 6));
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.fill();
    }, delay);
    this.backoffTimer.unref();
  }

  private ping(): void {
    const frame = controlFrame(FRAME.PING);
    for (const back of this.backs) {
      if ((back.state === 'idle' || back.state === 'active') && back.stream) send(back.stream, frame);
    }
  }
}

/** Writes unless the stream is ended or destroyed (a write after end() would be an error event); true: room for more. */
function send(stream: Duplex, frame: Buffer): boolean {
  if (stream.destroyed || stream.writableEnded) return true;
  return stream.write(frame);
}

function resetSocket(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}
