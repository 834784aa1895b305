// Proofs of the local cluster (issue 3, "Prove it"), through @kubernetes/client-node only: the node
// is Ready; a runner-image pod runs a bash script and its logs are read; exec through the API server
// returns stdout, stderr and the exit code; a redis service container answers over localhost; an
// ephemeral container joins a running pod and shares its volumes and localhost.
// Times are printed, never asserted. Skipped, with the reason printed, when the cluster is not up.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn, localClusterFor, nodeReady, percentile, podSpec, RUNNER, until } from './cluster.js';

const cluster = await localClusterFor('kube-local cluster proofs');

const namespace = `kube-local-proof-${randomBytes(4).toString('hex')}`;


describe.skipIf(!cluster)('kube-local: the local cluster', () => {
  const { kc, core } = cluster ?? ({} as NonNullable<typeof cluster>); // the body runs even when skipped
  let jobPod: Promise<void> | undefined;

  const pod = (name: string) => core.readNamespacedPod({ namespace, name });
  const exec = (name: string, container: string, command: string[]) => execIn(kc, namespace, name, container, command);

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'kact.dev/test': 'kube-local-proof' } } } });
    // Pods are rejected until the ServiceAccount controller has made the namespace's `default`.
    await until('the default ServiceAccount', async () =>
      core.readNamespacedServiceAccount({ namespace, name: 'default' }).then(() => true, () => undefined),
    );
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch((e: Error) => {
      console.warn(`deleting namespace ${namespace}: ${e.message}`);
    });
  });

  /** A running pod: the runner (an emptyDir at /work) plus a redis:7 service container. */
  function startJobPod(): Promise<void> {
    jobPod ??= (async () => {
      const t0 = performance.now();
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'job' },
          spec: podSpec({
            restartPolicy: 'Never',
            volumes: [{ name: 'work', emptyDir: {} }],
            containers: [
              {
                name: 'runner',
                image: RUNNER,
                command: ['bash', '-c', 'echo "hello from $(uname -n)" > /work/hello; exec sleep infinity'],
                volumeMounts: [{ name: 'work', mountPath: '/work' }],
              },
              { name: 'redis', image: 'redis:7' },
            ],
          }),
        },
      });
      await until('pod job Running with both containers started', async () => {
        const p = await pod('job');
        if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') throw new Error(`pod job ended: ${JSON.stringify(p.status)}`);
        const running = p.status?.containerStatuses?.filter((c) => c.state?.running).length ?? 0;
        return p.status?.phase === 'Running' && running === 2 ? true : undefined;
      });
      console.log(`pod create → Running (runner + redis:7): ${Math.round(performance.now() - t0)} ms`);
    })();
    return jobPod;
  }

  it('the API server listens on the node address only, not on every interface', async () => {
    const server = new URL(kc.getCurrentCluster()!.server);
    const nodeIP = (await core.readNode({ name: (await core.listNode()).items[0]!.metadata!.name! })).status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    expect(server.hostname).toBe(nodeIP);
    const reach = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host, port: Number(server.port) }, () => {
          socket.destroy();
          resolve('open');
        });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
    expect({ node: await reach(nodeIP), loopback: await reach('127.0.0.1') }).toEqual({ node: 'open', loopback: 'ECONNREFUSED' });
  });

  it('the node is Ready', async () => {
    const t0 = performance.now();
    const node = await until('a Ready node', () => nodeReady(core), 60_000, 200);
    console.log(`node ${node.metadata?.name} Ready (${node.status?.nodeInfo?.kubeletVersion}, ${node.status?.nodeInfo?.containerRuntimeVersion}) after ${Math.round(performance.now() - t0)} ms of waiting`);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('a pod from the runner image runs a bash script and its logs are read', async () => {
    const script = [
      'set -euo pipefail',
      'echo "bash ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"',
      'for i in 1 2 3; do echo "line $i"; done',
      'node -e "console.log(\'node \' + process.versions.node.split(\'.\')[0])"',
      'python3 -c "print(6 * 7)"',
      'echo to-stderr >&2',
    ].join('\n');
    const t0 = performance.now();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'script' },
        spec: podSpec({ restartPolicy: 'Never', containers: [{ name: 'main', image: RUNNER, command: ['bash', '-c', script] }] }),
      },
    });
    const done = await until('pod script to finish', async () => {
      const p = await pod('script');
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    });
    console.log(`pod create → script finished: ${Math.round(performance.now() - t0)} ms`);
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    expect(done.status?.phase).toBe('Succeeded');
    const logs = await core.readNamespacedPodLog({ namespace, name: 'script', container: 'main' });
    const lines = logs.trim().split('\n');
    expect(lines[0]).toMatch(/^bash [5-9]\.\d+$/);
    expect(lines.slice(1, 4)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(lines[4]).toMatch(/^node (2\d|[3-9]\d)$/);
    expect(lines).toContain('42');
    expect(lines).toContain('to-stderr');
  });

  it('exec through the API server returns stdout, stderr and the exit code', async () => {
    await startJobPod();
    const r = await exec('job', 'runner', ['bash', '-c', 'echo out; echo err >&2; cat /work/hello; exit 3']);
    expect(r).toEqual({ stdout: `out\nhello from job\n`, stderr: 'err\n', exitCode: 3 });
    expect(await exec('job', 'runner', ['true'])).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    const missing = await exec('job', 'runner', ['bash', '-c', 'no-such-command']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('no-such-command');

    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const echo = await exec('job', 'runner', ['echo', String(i)]);
      times.push(performance.now() - t);
      expect(echo).toEqual({ stdout: `${i}\n`, stderr: '', exitCode: 0 });
    }
    console.log(
      `exec round-trip (WebSocket through the API server), ${times.length} calls: p50 ${percentile(times, 50).toFixed(1)} ms, ` +
        `p95 ${percentile(times, 95).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms`,
    );
  });

  it('the runner image carries a static busybox at /bin/busybox', async () => {
    await startJobPod();
    expect(await exec('job', 'runner', ['/bin/busybox', 'sh', '-c', 'echo ok'])).toEqual({ stdout: 'ok\n', stderr: '', exitCode: 0 });
  });

  it('a service image (redis:7) answers from a second container of the same pod over localhost', async () => {
    await startJobPod();
    // redis may still be starting when its container is Running; bash's /dev/tcp speaks RESP well enough.
    const ping = 'for i in $(seq 100); do exec 3<>/dev/tcp/127.0.0.1/6379 && break; sleep 0.1; done 2>/dev/null; printf "PING\\r\\n" >&3; head -c 7 <&3';
    const r = await exec('job', 'runner', ['bash', '-c', ping]);
    expect(r).toMatchObject({ stdout: '+PONG\r\n', exitCode: 0 });
    const set = await exec('job', 'redis', ['redis-cli', 'set', 'proof', 'from-redis-container']);
    expect(set.stdout.trim()).toBe('OK');
    const get = await exec('job', 'runner', ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/6379; printf "GET proof\\r\\n" >&3; head -c 27 <&3']);
    expect(get.stdout).toBe('$20\r\nfrom-redis-container\r\n');
  });

  it('an ephemeral container joins the running pod and shares its volumes and localhost', async () => {
    await startJobPod();
    const current = await pod('job');
    const t0 = performance.now();
    await core.replaceNamespacedPodEphemeralcontainers({
      namespace,
      name: 'job',
      body: {
        ...current,
        spec: {
          ...current.spec!,
          ephemeralContainers: [
            {
              name: 'dbg',
              image: RUNNER,
              imagePullPolicy: 'Never',
              command: ['sleep', 'infinity'],
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
          ],
        },
      },
    });
    await until('ephemeral container dbg running', async () => {
      const p = await pod('job');
      const s = p.status?.ephemeralContainerStatuses?.find((c) => c.name === 'dbg');
      if (s?.state?.terminated) throw new Error(`dbg terminated: ${JSON.stringify(s.state.terminated)}`);
      return s?.state?.running ? true : undefined;
    });
    console.log(`ephemeral container added → running: ${Math.round(performance.now() - t0)} ms`);

    // The volume: it reads what the runner wrote, and the runner reads what it writes.
    expect(await exec('job', 'dbg', ['cat', '/work/hello'])).toEqual({ stdout: 'hello from job\n', stderr: '', exitCode: 0 });
    await exec('job', 'dbg', ['bash', '-c', 'echo written-by-dbg > /work/from-dbg']);
    expect((await exec('job', 'runner', ['cat', '/work/from-dbg'])).stdout).toBe('written-by-dbg\n');
    // localhost: redis (another container) answers it, and so does a listener it starts for the runner.
    const ping = await exec('job', 'dbg', ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/6379; printf "PING\\r\\n" >&3; head -c 7 <&3']);
    expect(ping.stdout).toBe('+PONG\r\n');
    await exec('job', 'dbg', ['bash', '-c', 'nohup node -e "require(\'net\').createServer((s) => s.end(\'from-dbg\\n\')).listen(7777, \'127.0.0.1\')" >/dev/null 2>&1 &']);
    const fromDbg = await exec('job', 'runner', [
      'bash',
      '-c',
      'for i in $(seq 100); do exec 3<>/dev/tcp/127.0.0.1/7777 && break; sleep 0.1; done 2>/dev/null; cat <&3',
    ]);
    expect(fromDbg).toMatchObject({ stdout: 'from-dbg\n', exitCode: 0 });
  });
});
