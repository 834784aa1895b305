/**
 * The frames kact and the relay exchange on a back connection (one pod-side TCP connection made
 * by the API server's port-forward). Every frame is one type byte; DATA adds a 4-byte big-endian
 * length and that many payload bytes.
 *
 * The tunnel has its own END (half-close) and RESET frames because the port-forward transport
 * cannot carry either: its websocket protocol has no way to close one direction, and containerd
 * closes the whole stream about a second after one direction ends. So a back connection's own
 * end only ever means "gone"; what the two ends of a tunnelled connection did travels in frames.
 */
export const FRAME = {
  /** relay → kact: this back connection reached the relay and waits, idle, for a front connection. */
  HELLO: 1,
  /** relay → kact: a front connection was paired with this back connection; connect to the target. */
  OPEN: 2,
  /** both ways: bytes of the tunnelled connection. */
  DATA: 3,
  /** both ways: the sender's side shut down its sending direction (TCP half-close). */
  END: 4,
  /** both ways: the sender's side failed; destroy the pair. */
  RESET: 5,
  /** kact → relay: keepalive; it also keeps idle port-forward streams from an idle timeout. */
  PING: 6,
  /**
   * relay → kact, on any back connection (between the frames of a tunnelled one, too): a front
   * connection is waiting for a back connection; dial one more. Makes a burst of connections
   * wait for about one dial rather than one per pool's worth.
   */
  WANT: 7,
} as const;

/** The DATA frame header's size: type byte and length. */
export const DATA_HEADER = 5;

/**
 * The relay, for `node -e SCRIPT FRONT_PORT BACK_PORT HEALTH_PORT WAIT_MS IDLE_MS`.
 *
 * - FRONT_PORT (all interfaces): job pods' connections ("front" connections).
 * - BACK_PORT (loopback only, so that no pod can pose as kact): the connections kact opens
 *   through the API server's port-forward ("back" connections). Each one gets a HELLO and waits
 *   in the idle pool; the API server's port-forward connects from inside the pod's network
 *   namespace, to localhost.
 * - HEALTH_PORT (all interfaces): accepts and closes, once both other ports listen; the pod's
 *   readiness probe (a probe on the front port would open tunnelled connections to kact).
 * - A front connection is paired with the idle back connection kact heard from last: OPEN, then
 *   DATA/END/RESET frames both ways, with the sockets' backpressure (a full side pauses the
 *   other) and no buffering of its own. One front connection per back connection: when the pair
 *   is done the back connection is closed and kact dials a fresh one.
 * - A front connection that finds no idle back connection asks kact for one more (WANT, on any
 *   back connection) and waits up to WAIT_MS for one, then is closed.
 * - A back connection kact has not sent a frame on for IDLE_MS (kact pings on each one every few
 *   seconds, idle or not) is dead: closed, and its front connection (if any) reset. One the relay
 *   has stopped reading (its client is slower than kact) counts as alive.
 * - Either side failing resets the other: a TCP RST, never a clean end, so that a cut-off answer
 *   does not look complete. (A client whose kernel still holds unread data when the RST comes may
 *   only see the connection end; protocols that frame their messages, as HTTP does with
 *   Content-Length or chunks, still tell a cut-off answer.)
 * - A port it cannot listen on is fatal: it says why in the termination message and exits 1.
 *
 * The tunnel adds no access control of its own: anything that can reach the relay pod's front
 * port reaches kact's target. The service behind it (kact's artifact and cache server)
 * authenticates every request with the run's token.
 *
 * Written without `$`: Kubernetes would expand `$(…)` in a container's command.
 */
export const RELAY_SCRIPT = String.raw`'use strict';
const net = require('net');
const log = (text) => process.stderr.write('kact-relay: ' + text + '\n');
const fail = (text) => {
  log(text);
  try { require('fs').writeFileSync('/dev/termination-log', text); } catch (e) {}
  process.exit(1);
};
process.on('uncaughtException', (error) => log('unexpected error: ' + ((error && error.stack) || error)));
process.on('SIGTERM', () => process.exit(0));
const args = process.argv.slice(1).map(Number);
const [FRONT, BACK, HEALTH, WAIT_MS, IDLE_MS] = args;
if (args.length !== 5 || !args.every((n) => Number.isInteger(n) && n >= 0)) fail('want FRONT_PORT BACK_PORT HEALTH_PORT WAIT_MS IDLE_MS, got ' + JSON.stringify(process.argv.slice(1)));
const HELLO = ${FRAME.HELLO}, OPEN = ${FRAME.OPEN}, DATA = ${FRAME.DATA}, END = ${FRAME.END}, RESET = ${FRAME.RESET}, PING = ${FRAME.PING}, WANT = ${FRAME.WANT};

const idle = new Set();
const backs = new Set();
const waiting = [];
const reset = (socket) => {
  if (socket.destroyed) return;
  if (socket.resetAndDestroy) socket.resetAndDestroy(); else socket.destroy();
};
const send = (back, type) => !back.destroyed && !back.writableEnded && back.write(Buffer.from([type]));
const sendData = (back, chunk) => {
  const head = Buffer.allocUnsafe(5);
  head[0] = DATA;
  head.writeUInt32BE(chunk.length, 1);
  back.cork();
  back.write(head);
  const ok = back.write(chunk);
  back.uncork();
  return ok;
};
// Frames from kact, split across chunks anywhere: DATA payloads are passed on as they arrive.
const frameReader = (onFrame) => {
  let head = null;
  let left = 0;
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (left > 0) {
        const n = Math.min(left, chunk.length - at);
        left -= n;
        onFrame(DATA, chunk.subarray(at, at + n));
        at += n;
      } else if (head === null && chunk[at] !== DATA) {
        onFrame(chunk[at]);
        at += 1;
      } else {
        const n = Math.min(5 - (head ? head.length : 0), chunk.length - at);
        head = head ? Buffer.concat([head, chunk.subarray(at, at + n)]) : chunk.subarray(at, at + n);
        at += n;
        if (head.length === 5) {
          left = head.readUInt32BE(1);
          head = null;
        }
      }
    }
  };
};

function pair(front, back) {
  idle.delete(back);
  back.paired = true;
  let endReceived = false;
  send(back, OPEN);
  front.on('data', (chunk) => { if (!sendData(back, chunk)) front.pause(); });
  back.on('drain', () => front.resume());
  front.on('drain', () => back.resume());
  front.on('end', () => send(back, END));
  front.on('error', () => undefined);
  front.on('close', (hadError) => {
    if (hadError) send(back, RESET);
    back.end();
  });
  back.onFrame = (type, data) => {
    if (type === DATA) { if (!front.destroyed && !front.write(data)) back.pause(); }
    else if (type === END) { endReceived = true; front.end(); }
    else if (type === RESET) { reset(front); back.destroy(); }
    else if (type !== PING) { log('unknown frame type ' + type + ' from kact'); reset(front); back.destroy(); }
  };
  // A back connection that ends before kact said END has lost the other side.
  back.onGone = () => { if (!endReceived) reset(front); };
  front.resume();
}

const latest = (set) => {
  let best = null;
  for (const back of set) if (!best || back.seen > best.seen) best = back;
  return best;
};

function onFront(front) {
  front.setNoDelay(true);
  front.pause();
  const best = latest(idle);
  if (best) return pair(front, best);
  const asked = latest([...backs].filter((back) => !back.writableEnded));
  if (asked) send(asked, WANT);
  const entry = { front, timer: null };
  entry.timer = setTimeout(() => {
    const at = waiting.indexOf(entry);
    if (at >= 0) waiting.splice(at, 1);
    log('no connection from kact within ' + WAIT_MS + ' ms; closing a connection from ' + front.remoteAddress);
    reset(front);
  }, WAIT_MS);
  front.on('error', () => undefined);
  front.on('close', () => {
    const at = waiting.indexOf(entry);
    if (at >= 0) { waiting.splice(at, 1); clearTimeout(entry.timer); }
  });
  waiting.push(entry);
}

function onBack(back) {
  back.setNoDelay(true);
  back.seen = Date.now();
  back.paired = false;
  back.onFrame = (type) => { if (type !== PING) { log('frame type ' + type + ' from kact on an idle connection'); back.destroy(); } };
  back.onGone = () => undefined;
  const read = frameReader((type, data) => back.onFrame(type, data));
  back.on('data', (chunk) => { back.seen = Date.now(); read(chunk); });
  back.on('error', () => undefined);
  back.on('end', () => { back.onGone(); back.end(); });
  back.on('close', () => { idle.delete(back); backs.delete(back); back.onGone(); });
  backs.add(back);
  send(back, HELLO);
  const entry = waiting.shift();
  if (entry) { clearTimeout(entry.timer); pair(entry.front, back); }
  else idle.add(back);
}

if (IDLE_MS > 0) {
  setInterval(() => {
    const now = Date.now();
    for (const back of [...backs]) {
      // Paused by backpressure (its client is slow), it is not being read: kact's pings wait unread, it is not silent.
      if (back.isPaused()) back.seen = now;
      if (now - back.seen <= IDLE_MS) continue;
      log('no keepalive from kact for ' + IDLE_MS + ' ms; dropping ' + (back.paired ? 'a tunnelled' : 'an idle') + ' connection');
      back.destroy();
    }
  }, Math.max(100, Math.floor(IDLE_MS / 4))).unref();
}

// All interfaces: '::' takes IPv4 too where the pod has IPv6, else 0.0.0.0.
const listenAll = (server, port, what, done) => {
  const onError = (error) => {
    server.removeListener('error', onError);
    if (error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL') {
      server.once('error', (e) => fail('cannot listen on ' + what + ' port ' + port + ': ' + e.message));
      server.listen({ host: '0.0.0.0', port }, done);
    } else fail('cannot listen on ' + what + ' port ' + port + ': ' + error.message);
  };
  server.on('error', onError);
  server.listen({ host: '::', port }, () => { server.removeListener('error', onError); done(); });
};
const front = net.createServer({ allowHalfOpen: true }, onFront);
const back = net.createServer({ allowHalfOpen: true }, onBack);
listenAll(front, FRONT, 'front', () => {
  back.once('error', (error) => fail('cannot listen on back port 127.0.0.1:' + BACK + ': ' + error.message));
  back.listen({ host: '127.0.0.1', port: BACK }, () => {
    const backPort = back.address().port;
    // IPv6 loopback too, where there is one (the port-forward may dial ::1); optional.
    const back6 = net.createServer({ allowHalfOpen: true }, onBack);
    back6.on('error', () => undefined);
    back6.listen({ host: '::1', port: backPort, ipv6Only: true });
    const health = net.createServer((socket) => socket.destroy());
    listenAll(health, HEALTH, 'health', () => {
      log('listening: front port ' + front.address().port + ', back port ' + backPort + ', health port ' + health.address().port);
    });
  });
});
`;
