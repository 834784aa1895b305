// SCRATCH: timing variants of the forwarder's readiness; deleted after measuring.
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import type { JobPodRequest, ServiceNetworking, ServiceRequest } from '@kact/core';
import { clusterForTests, KubeExecTransport, KubernetesJobBackend, LABELS } from '@kact/kubernetes';
import { PodServiceNetworking } from './pod-service-networking.js';

const connection = (await clusterForTests('measure'))!;
let lastServices = 0;
const runId = `it-${randomBytes(4).toString('hex')}`;
const RUNNER = 'kact.local/runner:trixie';
const services: ServiceRequest[] = [
  { id: 'redis', ports: [{ published: 6379, container: 6379 }], container: { name: 'svc-redis', image: 'redis:7', env: {}, ports: [6379], keepAlive: false, options: '--health-cmd "redis-cli ping" --health-interval 1s' } },
  { id: 'web', ports: [{ published: 8080, container: 80 }], container: { name: 'svc-web', image: RUNNER, env: {}, entrypoint: ['bash', '-c', 'mkdir -p /srv && echo hi > /srv/index.html && cd /srv && exec python3 -m http.server 80'], ports: [80], keepAlive: false, options: '--health-cmd "curl -fsS -o /dev/null http://127.0.0.1:80/" --health-interval 1s --health-retries 20' } },
];
const req = (name: string): JobPodRequest => ({ runId, name: `kact-${runId}-${name}`, labels: { [LABELS.job]: name }, main: { name: 'runner', image: RUNNER, env: {}, keepAlive: true }, services, extra: [], secrets: {} });

function variant(options: string | undefined): ServiceNetworking {
  const inner = new PodServiceNetworking(connection);
  return {
    name: 'pods',
    start: async (job, s, signal) => {
      const t = performance.now();
      const started = await inner.start(job, s, signal);
      lastServices = Math.round(performance.now() - t);
      for (const r of started.inPod) {
        if (options === undefined) delete r.container.options;
        else r.container.options = options;
      }
      return started;
    },
    stop: (job) => inner.stop(job),
  };
}

describe('measure', () => {
  it('variants', async () => {
    const variants: Record<string, ServiceNetworking | undefined> = {
      none: variant(undefined),
      wait1s: variant('--health-cmd "until test -e /tmp/kact-forward.ready; do sleep 0.05; done" --health-interval 1s --health-timeout 10s --health-retries 3'),
      wait2s: variant('--health-cmd "until test -e /tmp/kact-forward.ready; do sleep 0.05; done" --health-interval 2s --health-timeout 10s --health-retries 3'),
      wait5s: variant('--health-cmd "until test -e /tmp/kact-forward.ready; do sleep 0.05; done" --health-interval 5s --health-timeout 10s --health-retries 3'),
      wait30s: variant('--health-cmd "until test -e /tmp/kact-forward.ready; do sleep 0.05; done" --health-interval 30s --health-timeout 10s --health-retries 3'),
    };
    const times: Record<string, number[]> = {};
    const transport = new KubeExecTransport(connection);
    for (let round = 0; round < 10; round++) {
      for (const [name, services] of Object.entries(variants)) {
        const backend = new KubernetesJobBackend(connection, transport, { startTimeoutMs: 120_000, ...(services ? { services } : {}) });
        const t0 = performance.now();
        const pod = await backend.startJob(req(`${name}-${round}`.toLowerCase()), new AbortController().signal);
        const ms = Math.round(performance.now() - t0);
        const resolvedAt = Date.now();
        (times[name] ??= []).push(ms);
        if (services) (times[name + '-jobpod'] ??= []).push(ms - lastServices);
        let extra = '';
        if (services) {
          const started = Date.now();
          let out = '';
          const r = await transport.exec(pod, 'runner', ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/6379 && printf "PING\\r\\n" >&3 && head -c 7 <&3'], { onStdout: (c) => (out += c.toString()), onStderr: (c) => (out += c.toString()) });
          extra = `ping=${r.exitCode}:${JSON.stringify(out)} (${Date.now() - started} ms)`;
          const log = await connection.core.readNamespacedPodLog({ namespace: connection.namespace, name: pod.name, container: 'kact-svc-forward', timestamps: true });
          const p = await connection.core.readNamespacedPod({ namespace: connection.namespace, name: pod.name });
          const cs = p.status!.containerStatuses!.find((c) => c.name === 'kact-svc-forward')!;
          const listenAt = Date.parse(log.slice(0, 23) + 'Z');
          (times[name + '-margin'] ??= []).push(resolvedAt - listenAt);
          extra += ` margin=${resolvedAt - listenAt}`;
          extra += ` fwdStarted=${cs.state?.running?.startedAt?.toISOString?.() ?? cs.state?.running?.startedAt} log=${log.trim().slice(0, 40)}`;
        }
        console.log(`${name} round ${round}: ${ms} ms ${extra}`);
        await backend.stopJob(pod);
      }
    }
    for (const [name, list] of Object.entries(times)) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(`${name}: median ${sorted[Math.floor(sorted.length / 2)]} ms, all ${list.join(', ')}`);
    }
  }, 600_000);
});
