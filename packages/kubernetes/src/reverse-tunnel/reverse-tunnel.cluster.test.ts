import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPod } from '@kact/core';
import { isHttpStatus } from '../connection.js';
import { KubeExecTransport } from '../exec-transport.js';
import { collectGarbage } from '../gc.js';
import { KubernetesJobBackend } from '../kubernetes-job-backend.js';
import { clusterForTests, listJobObjects } from '../local-cluster.js';
import { LABELS } from '../pod-builder.js';
import { openReverseTunnel, ReverseTunnelError, type ReverseTunnel } from './open-reverse-tunnel.js';
import { RELAY_CONTAINER } from './relay-pod.js';

const cluster = await clusterForTests('reverse tunnel cluster tests');

const RUNNER = 'kact.local/runner:trixie';
const MB5 = 5 * 1024 * 1024;

/** This machine's server: `GET <path>` answers `GET <path>`, POST /echo echoes the body, GET /download sends 5 MB. */
async function localServer() {
  const download = randomBytes(MB5);
  const uploads: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        uploads.push(sha(body));
        res.end(body);
      });
    } else if (req.url === '/download') res.end(download);
    else res.end(`${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, downloadSha: sha(download), uploads };
}

/** Runs in the job pod with the tunnel's URL: 20 concurrent requests, 10 one after another, a 5 MB upload echoed back, a 5 MB download, a half-closed request. */
const POD_SCRIPT = String.raw`set -eu
url=$1
cd "$(mktemp -d)"
for i in $(seq 1 20); do
  curl -sS --fail --max-time 60 -o "r$i" -w '%{time_total}' "$url""req/$i" > "t$i" &
done
wait
for i in $(seq 1 20); do printf 'req %s %s %s\n' "$i" "$(cat "t$i")" "$(cat "r$i")"; done
for i in $(seq 1 10); do curl -sS --fail --max-time 60 -o /dev/null -w 'seq %{time_total}\n' "$url""seq/$i"; done
head -c ${MB5} /dev/urandom > up
curl -sS --fail --max-time 120 --data-binary @up -o echoed -w 'upload_time %{time_total}\n' "$url""echo"
printf 'upload %s %s\n' "$(sha256sum < up | cut -d' ' -f1)" "$(sha256sum < echoed | cut -d' ' -f1)"
curl -sS --fail --max-time 120 -o down -w 'download_time %{time_total}\n' "$url""download"
printf 'download %s %s\n' "$(sha256sum < down | cut -d' ' -f1)" "$(stat -c %s down)"
node -e "$2" "$url"
`;

/** An HTTP/1.0 request from a client that shuts down its sending side right after it: the answer must still come whole. */
const HALF_CLOSE = String.raw`
const net = require('net');
const url = new URL(process.argv[1]);
const socket = net.connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true }, () => socket.end('GET /half-closed HTTP/1.0\r\n\r\n'));
let answer = '';
socket.on('data', (chunk) => (answer += chunk));
socket.on('close', () => console.log('half ' + JSON.stringify(answer.split('\r\n\r\n')[1])));
`;

describe.skipIf(!cluster)('the reverse tunnel on the local cluster', () => {
  const connection = cluster!;
  const runId = `it-${randomBytes(4).toString('hex')}`;
  const transport = new KubeExecTransport(connection);
  const backend = new KubernetesJobBackend(connection, transport, { startTimeoutMs: 60_000 });
  const tunnels: ReverseTunnel[] = [];
  const jobs: JobPod[] = [];
  const warnings: string[] = [];
  let local: Awaited<ReturnType<typeof localServer>>;
  let job: JobPod;

  const exec = async (pod: { name: string; namespace: string }, container: string, argv: string[]) => {
    let out = '';
    let err = '';
    const r = await transport.exec(pod, container, argv, { onStdout: (c) => (out += c.toString()), onStderr: (c) => (err += c.toString()) });
    return { code: r.exitCode, out, err };
  };
  const open = async (id: string, extra: Partial<Parameters<typeof openReverseTunnel>[1]> = {}) => {
    const tunnel = await openReverseTunnel(connection, { runId: id, target: { host: '127.0.0.1', port: local.port }, warn: (w) => warnings.push(w), startTimeoutMs: 60_000, ...extra });
    tunnels.push(tunnel);
    return tunnel;
  };
  const relayExists = async (name: string) => {
    try {
      await connection.core.readNamespacedPod({ name, namespace: connection.namespace });
      return true;
    } catch (error) {
      if (isHttpStatus(error, 404)) return false;
      throw error;
    }
  };

  beforeAll(async () => {
    local = await localServer();
    job = await backend.startJob(
      { runId, name: `kact-${runId}-client`, labels: { [LABELS.job]: 'client' }, main: { name: 'runner', image: RUNNER, env: {}, keepAlive: true }, services: [], extra: [], secrets: {} },
      new AbortController().signal,
    );
    jobs.push(job);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(tunnels.map((t) => t.close().catch(() => undefined)));
    await Promise.all(jobs.map((pod) => backend.stopJob(pod)));
    await backend.gc((id) => !id.startsWith(runId));
    local?.server.close();
  }, 90_000);

  it('carries 20 concurrent requests, a 5 MB upload and a 5 MB download byte-exact between a job pod and this machine; close() leaves nothing', async () => {
    const t0 = performance.now();
    const tunnel = await open(runId, { labels: { [LABELS.job]: 'tunnel' } });
    console.log(`tunnel open (relay pod created → Ready → first connection through the port-forward): ${Math.round(performance.now() - t0)} ms; url ${tunnel.url}`);

    const t1 = performance.now();
    const run = await exec(job, 'runner', ['bash', '-c', POD_SCRIPT, 'bash', tunnel.url, HALF_CLOSE]);
    console.log(`pod script: ${Math.round(performance.now() - t1)} ms`);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const lines = run.out.trim().split('\n').map((l) => l.split(' '));
    const requests = lines.filter((l) => l[0] === 'req');
    expect(requests.map((l) => `${l[1]} ${l.slice(3).join(' ')}`)).toEqual(Array.from({ length: 20 }, (_, i) => `${i + 1} GET /req/${i + 1}`));
    const [upload] = lines.filter((l) => l[0] === 'upload');
    // What the pod sent is what this machine received and what came back.
    expect(upload?.slice(1)).toEqual([local.uploads[0], local.uploads[0]]);
    expect(local.uploads).toHaveLength(1);
    const [download] = lines.filter((l) => l[0] === 'download');
    expect(download?.slice(1)).toEqual([local.downloadSha, String(MB5)]);
    expect(lines.filter((l) => l[0] === 'half').map((l) => l.slice(1).join(' '))).toEqual(['"GET /half-closed"']);

    const seconds = (tag: string) => lines.filter((l) => l[0] === tag).map((l) => Number(l[tag === 'req' ? 2 : 1]) * 1000);
    const concurrent = seconds('req');
    const sequential = seconds('seq');
    const [up] = seconds('upload_time');
    const [down] = seconds('download_time');
    console.log(
      `through the tunnel (curl time_total): 20 concurrent requests ${stats(concurrent)}; one at a time ${stats(sequential)}; ` +
        `5 MB upload+echo ${Math.round(up!)} ms (${mbps(2 * MB5, up!)}), 5 MB download ${Math.round(down!)} ms (${mbps(MB5, down!)}); pool ${JSON.stringify(tunnel.stats())}`,
    );

    const memory = await exec({ name: tunnel.podName, namespace: tunnel.namespace }, RELAY_CONTAINER, [
      'bash',
      '-c',
      'cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes',
    ]);
    console.log(`relay container memory peak: ${(Number(memory.out.trim()) / 1024 / 1024).toFixed(1)} MiB (limit 128 MiB)`);

    await backend.stopJob(job);
    jobs.splice(jobs.indexOf(job), 1);
    const t2 = performance.now();
    await tunnel.close();
    console.log(`tunnel close (pool ended, relay pod deleted and gone): ${Math.round(performance.now() - t2)} ms`);
    expect(await relayExists(tunnel.podName)).toBe(false);
    expect(await listJobObjects(connection, `${LABELS.runId}=${runId}`)).toEqual([]);
    await tunnel.close();
    expect(warnings).toEqual([]);
  });

  it('keeps working after the relay restarts: the pool reconnects', async () => {
    const id = `${runId}-r`;
    const client = await backend.startJob(
      { runId: id, name: `kact-${id}-client`, labels: { [LABELS.job]: 'client' }, main: { name: 'runner', image: RUNNER, env: {}, keepAlive: true }, services: [], extra: [], secrets: {} },
      new AbortController().signal,
    );
    jobs.push(client);
    const tunnel = await open(id);
    const fetch = (path: string) => exec(client, 'runner', ['curl', '-sS', '--fail', '--max-time', '30', '--retry', '30', '--retry-all-errors', '--retry-delay', '1', `${tunnel.url}${path}`]);
    expect((await fetch('before')).out).toBe('GET /before');
    // The relay's node process ends (as after an OOM kill): its container restarts in the same pod, every back connection closes.
    const relay = { name: tunnel.podName, namespace: tunnel.namespace };
    const t0 = performance.now();
    expect((await exec(relay, RELAY_CONTAINER, ['kill', '1'])).code).toBe(0);
    const after = await fetch('after');
    console.log(`relay restart → first answer again: ${Math.round(performance.now() - t0)} ms; warnings: ${JSON.stringify(warnings.splice(0))}`);
    // (curl's stderr has its retries while the relay was down.)
    expect([after.code, after.out]).toEqual([0, 'GET /after']);
    // The relay did restart (the kubelet reports it a moment later).
    const restarts = async () => (await connection.core.readNamespacedPod(relay)).status?.containerStatuses?.[0]?.restartCount;
    for (let i = 0; i < 100 && (await restarts()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await restarts()).toBe(1);
  });

  it('fails with one message naming the relay pod and its missing image, and leaves nothing behind', async () => {
    const id = `${runId}-m`;
    const t0 = performance.now();
    const error = await open(id, { image: 'kact.local/no-such-relay:1' }).catch((e: unknown) => e);
    console.log(`missing relay image reported after ${Math.round(performance.now() - t0)} ms: ${String(error)}`);
    expect(error).toBeInstanceOf(ReverseTunnelError);
    expect((error as Error).message).toMatch(new RegExp(`^reverse tunnel relay pod kact-${id}-tunnel \\(image kact\\.local/no-such-relay:1\\) did not start: \\S`));
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect(await listJobObjects(connection, `${LABELS.runId}=${id}`)).toEqual([]);
  });

  it('is collected by kact gc once its run is over, and deleted when the run is aborted, while starting or after', async () => {
    const dead = `${runId}-g`;
    const leftover = await open(dead);
    const report = await collectGarbage(connection, (id) => id !== dead);
    expect(report.pods).toEqual([leftover.podName]);

    const id = `${runId}-a`;
    const abort = new AbortController();
    const tunnel = await open(id, { signal: abort.signal });
    abort.abort();
    // Closing again awaits the close the abort started.
    await tunnel.close();
    expect(await relayExists(tunnel.podName)).toBe(false);

    const early = `${runId}-s`;
    const cancel = new AbortController();
    const starting = open(early, { signal: cancel.signal });
    setTimeout(() => cancel.abort(), 300);
    await expect(starting).rejects.toThrow(new RegExp(`^reverse tunnel relay pod kact-${early}-tunnel \\(image kact\\.local/runner:trixie\\) .*cancelled`));
    expect(await listJobObjects(connection, `${LABELS.runId}=${early}`)).toEqual([]);
  });
});

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${Math.round(sorted.at(-1)!)} ms`;
}

function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MiB/s`;
}
