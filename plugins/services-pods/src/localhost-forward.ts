import type { ServiceRequest } from '@kact/core';

/**
 * The job pod's container that makes services answer on `localhost:<published port>`, as Docker's
 * published ports do for a job that runs on the runner. Its name cannot be one core gives an
 * in-pod service (`svc-<id>`), the job container (`runner`, `job`) or an action (`action-<n>`).
 */
export const FORWARD_CONTAINER = 'kact-svc-forward';

/**
 * The id of the forwarder's ServiceRequest in `inPod`. Nothing keys on it (endpoints and host
 * aliases list workflow services only); it names the forwarder in messages.
 */
export const FORWARD_ID = 'kact-forward';

/** The file the forwarder writes once it listens on every port and each target answers; its health check waits for it. */
export const FORWARD_READY_FILE = '/tmp/kact-forward.ready';

/**
 * The forwarder's health check (a readiness probe, see @kact/kubernetes pod-builder): kact starts
 * the job's steps only once every port listens. Node needs a few hundred ms to bind them after the
 * container starts; without the check the job would race it.
 *
 * The timing keeps job start fast. The kubelet runs a readiness probe as soon as its status shows
 * the container running (a manual trigger), else at the next period. So the check waits for the
 * listener itself, bounded by the probe's timeout, instead of failing and costing a period when
 * node is not there yet. And the period is short, because that first trigger sometimes sees a
 * stale status and does nothing: with a 30 s period the job then waited up to 13 s (once in 18
 * starts on kube-local), with 2 s at most 2 s more. Job pod start on kube-local, median of 10:
 * no check 1956 ms, this check 2025 ms (1 s period 2011 ms, 5 s 2070 ms). The probe keeps running
 * while the pod lives: one cheap exec every 2 s.
 */
export const FORWARD_HEALTH_OPTIONS = `--health-cmd "until test -e ${FORWARD_READY_FILE}; do sleep 0.05 || sleep 1; done" --health-interval 2s --health-timeout 10s --health-retries 10`;

/**
 * A TCP forwarder for `node -e`. Its arguments are `LISTEN_PORT=HOST:PORT` (an IPv6 host may be
 * written in brackets): it listens on 127.0.0.1 (and on ::1 where the pod has IPv6: /etc/hosts
 * maps `localhost` to both) and pipes each connection to HOST:PORT, half-closes included (a
 * client that shuts down its sending side still gets the answer), with the streams' backpressure
 * and no buffering of its own. A failing side destroys the other. A port it cannot listen on is
 * fatal: it says why in the container's termination message (which kact reports) and exits 1.
 * Written without `$`: Kubernetes would expand `$(…)` in a container's command.
 */
export const FORWARD_SCRIPT = String.raw`'use strict';
const net = require('net');
const fs = require('fs');
const log = (text) => process.stderr.write('kact-svc-forward: ' + text + '\n');
const fail = (text) => {
  log(text);
  try { fs.writeFileSync('/dev/termination-log', text); } catch (e) {}
  process.exit(1);
};
process.on('uncaughtException', (error) => log('unexpected error: ' + ((error && error.stack) || error)));
const READY = process.env.KACT_FORWARD_READY || '${FORWARD_READY_FILE}';
const isPort = (n) => Number.isInteger(n) && n > 0 && n < 65536;
const routes = process.argv.slice(1).map((arg) => {
  const eq = arg.indexOf('=');
  const colon = arg.lastIndexOf(':');
  const listen = Number(arg.slice(0, eq));
  const port = Number(arg.slice(colon + 1));
  let host = arg.slice(eq + 1, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (eq < 1 || colon < eq || !host || !isPort(listen) || !isPort(port)) fail('bad route ' + JSON.stringify(arg) + ': want LISTEN_PORT=HOST:PORT');
  return { listen, host, port };
});
if (!routes.length) fail('no routes: want LISTEN_PORT=HOST:PORT arguments');

function forward(client, route) {
  const target = net.connect({ host: route.host, port: route.port, allowHalfOpen: true });
  for (const [from, to] of [[client, target], [target, client]]) {
    from.setNoDelay(true);
    from.on('error', () => { from.destroy(); to.destroy(); });
    // After a clean close both directions have ended (pipe ends the other side's writing); after a failure nothing is left to save.
    from.on('close', (hadError) => { if (hadError) to.destroy(); else if (!to.destroyed) to.end(); });
    from.pipe(to);
  }
}

const PROBE_MS = Number(process.env.KACT_FORWARD_PROBE_MS || 30000);
const probeOnce = (route) => new Promise((resolve) => {
  const socket = net.connect({ host: route.host, port: route.port });
  const done = (ok) => { socket.destroy(); resolve(ok); };
  socket.setTimeout(1000, () => done(false));
  socket.once('connect', () => done(true));
  socket.once('error', () => done(false));
});
// Ready only once each target accepts a connection: a Service's routes reach the node a moment
// after its EndpointSlice lists the pod, and a step must not be the one to find that out.
const probe = async (route) => {
  const deadline = Date.now() + PROBE_MS;
  while (!(await probeOnce(route))) {
    if (Date.now() >= deadline) return log(route.host + ':' + route.port + ' did not accept a connection within ' + PROBE_MS + ' ms; forwarding anyway');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
const ready = async () => {
  await Promise.all(routes.map(probe));
  try { fs.writeFileSync(READY, routes.map((r) => r.listen).join(' ') + '\n'); } catch (error) { fail('cannot write ' + READY + ': ' + error.message); }
  log('forwarding ' + routes.map((r) => 'localhost:' + r.listen + ' -> ' + r.host + ':' + r.port).join(', '));
};
let pending = 0;
const settled = () => {
  if (--pending === 0) ready();
};
for (const route of routes) {
  for (const host of ['127.0.0.1', '::1']) {
    pending++;
    const server = net.createServer({ allowHalfOpen: true }, (client) => forward(client, route));
    let listening = false;
    server.on('error', (error) => {
      if (listening) return log('localhost:' + route.listen + ': ' + error.message);
      if (host === '127.0.0.1') fail('cannot listen on 127.0.0.1:' + route.listen + ': ' + error.message);
      log('not listening on [::1]:' + route.listen + ': ' + error.message);
      settled();
    });
    server.listen({ host, port: route.listen, ipv6Only: host === '::1' }, () => {
      listening = true;
      settled();
    });
  }
}
`;

/** One published port of one service: the forwarder listens on `port` and connects to `host:port`. */
export interface ForwardRoute {
  service: string;
  host: string;
  port: number;
}

/** The forwarder's argument for a route: `LISTEN_PORT=HOST:PORT`, an IPv6 host in brackets. */
export function routeArgument(route: ForwardRoute): string {
  const host = route.host.includes(':') ? `[${route.host}]` : route.host;
  return `${route.port}=${host}:${route.port}`;
}

/** The forwarder container for the job pod, or undefined when no service publishes a port. */
export function forwarderRequest(routes: ForwardRoute[], image: string): ServiceRequest | undefined {
  if (routes.length === 0) return undefined;
  return {
    id: FORWARD_ID,
    ports: [],
    container: {
      name: FORWARD_CONTAINER,
      image,
      env: {},
      entrypoint: ['node', '-e', FORWARD_SCRIPT],
      args: routes.map(routeArgument),
      ports: [],
      keepAlive: false,
      options: FORWARD_HEALTH_OPTIONS,
    },
  };
}

/**
 * Rejects services that publish the same port: on the runner both would be `localhost:<port>`,
 * and Docker refuses to bind a host port twice. (A port published twice by one service is a
 * warning of buildServiceObjects: the first mapping wins.)
 */
export function checkPublishedPorts(services: ServiceRequest[]): void {
  const owner = new Map<number, string>();
  for (const service of services) {
    for (const { published } of service.ports) {
      const first = owner.get(published);
      if (first === undefined) owner.set(published, service.id);
      else if (first !== service.id) {
        throw new Error(`services ${first} and ${service.id} both publish port ${published}: a port can be published once, as Docker binds each host port to one container`);
      }
    }
  }
}
