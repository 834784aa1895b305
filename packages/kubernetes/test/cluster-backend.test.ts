import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest } from '@kact/core';
import { clusterForTests, KubeExecTransport, KubernetesJobBackend, LABELS, listJobObjects, type KubeConnection } from '../src/index.js';

const cluster = await clusterForTests('kubernetes cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;
const RUNNER = 'kact.local/runner:trixie';

function request(name: string, overrides: Partial<JobPodRequest> = {}): JobPodRequest {
  return {
    runId,
    name: `kact-${runId}-${name}`,
    labels: { [LABELS.job]: name },
    main: { name: 'runner', image: RUNNER, env: { GREETING: 'hello "world" $(nope)' }, secretEnv: { TOKEN: 'token' }, keepAlive: true },
    services: [],
    extra: [],
    secrets: { token: 'tok-123' },
    ...overrides,
  };
}

const leftovers = (connection: KubeConnection) => listJobObjects(connection, `${LABELS.runId}=${runId}`);

describe.skipIf(!cluster)('KubernetesJobBackend on the local cluster', () => {
  const connection = cluster!;
  const transport = new KubeExecTransport(connection);
  const warnings: string[] = [];
  const backend = new KubernetesJobBackend(connection, transport, { warn: (w) => warnings.push(w), startTimeoutMs: 60_000 });
  const started: JobPod[] = [];
  const exec = async (pod: JobPod, container: string, argv: string[]) => {
    let out = '';
    const r = await transport.exec(pod, container, argv, { onStdout: (c) => (out += c.toString()), onStderr: (c) => (out += c.toString()) });
    return { code: r.exitCode, out };
  };

  afterAll(async () => {
    await Promise.all(started.map((pod) => backend.stopJob(pod)));
    await backend.gc((id) => id !== runId);
  }, 60_000);

  it('starts a job pod with a redis service reachable by its id, env from the ConfigMap and the Secret', async () => {
    const t0 = Date.now();
    const pod = await backend.startJob(
      request('svc', {
        services: [{ id: 'redis', ports: [{ published: 6379, container: 6379 }], container: { name: 'svc-redis', image: 'redis:7', env: {}, ports: [6379], keepAlive: false, options: '--health-cmd "redis-cli ping" --health-interval 1s --network host' } }],
      }),
      new AbortController().signal,
    );
    started.push(pod);
    console.log(`pod start (create → all containers running, runner + redis): ${Date.now() - t0} ms`);
    expect(pod.services).toEqual({ redis: { container: 'svc-redis', host: 'localhost', ports: { '6379': '6379' } } });
    // The health check is a readiness probe: the job started once it had passed.
    expect(pod.warnings).toEqual(['svc-redis: option --network is not supported on Kubernetes; ignored']);
    const env = await exec(pod, 'runner', ['/__kact/bin/busybox', 'sh', '-c', 'printf "%s|%s" "$GREETING" "$TOKEN"']);
    expect(env).toEqual({ code: 0, out: 'hello "world" $(nope)|tok-123' });
    // Redis may need a moment after its container starts; bash's /dev/tcp speaks RESP well enough.
    const ping = await exec(pod, 'runner', ['bash', '-c', 'for i in $(seq 50); do exec 3<>/dev/tcp/redis/6379 && break; sleep 0.1; done; printf "PING\\r\\n" >&3; head -c 7 <&3']);
    expect(ping.out).toBe('+PONG\r\n');
    const code = await exec(pod, 'runner', ['sh', '-c', 'exit 42']);
    expect(code.code).toBe(42);
  });

  it('copies a local folder into the workspace, honouring exclude', async () => {
    const pod = await backend.startJob(request('copy'), new AbortController().signal);
    started.push(pod);
    const dir = await mkdtemp(join(tmpdir(), 'kact-copy-src-'));
    await mkdir(join(dir, 'src'));
    await mkdir(join(dir, 'node_modules'));
    await writeFile(join(dir, 'src', 'a b.txt'), 'content\n');
    await writeFile(join(dir, 'node_modules', 'x'), 'no');
    await writeFile(join(dir, 'big'), Buffer.alloc(3 * 1024 * 1024, 7));
    await backend.copyIn(pod, dir, '/github/workspace', { exclude: (p) => p === 'node_modules' || p.startsWith('node_modules/') });
    const listing = await exec(pod, 'runner', ['bash', '-c', 'cd /github/workspace && find . -type f | sort && cat "src/a b.txt" && stat -c %s big']);
    expect(listing.out).toBe(`./big\n./src/a b.txt\ncontent\n${3 * 1024 * 1024}\n`);
  });

  it('fails fast naming a missing image and leaves nothing behind', async () => {
    const t0 = Date.now();
    const req = request('missing', { main: { name: 'runner', image: 'kact.local/does-not-exist:1', env: {}, keepAlive: true } });
    await expect(backend.startJob(req, new AbortController().signal)).rejects.toThrow(/kact\.local\/does-not-exist:1/);
    const elapsed = Date.now() - t0;
    console.log(`missing image reported after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(20_000);
    expect((await leftovers(connection)).filter((n) => n.includes('missing'))).toEqual([]);
  });

  it('stopJob deletes pod, ConfigMap and Secret and is idempotent', async () => {
    const pod = await backend.startJob(request('stop'), new AbortController().signal);
    await backend.stopJob(pod);
    await backend.stopJob(pod);
    expect((await leftovers(connection)).filter((n) => n.includes('-stop'))).toEqual([]);
  });
});
