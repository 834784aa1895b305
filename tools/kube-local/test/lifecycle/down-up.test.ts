// `kube-local down` leaves nothing behind (no kube-local or containerd-shim process, no mount under
// the state directory, no kubelocal0 bridge, no KUBE-/CNI- iptables chain); `kube-local up` then
// brings the node back Ready, so the developer's cluster is there again afterwards.
// It takes the cluster away from everything else: not in the package's `test` run, but run alone by
// tools/test/run.sh after every other test (vitest.lifecycle.config.ts).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BINARY, findLocalCluster, nodeReady, STATE_DIR, until } from '../cluster.js';
import { clusterProcesses, iptablesChains, links, mountsUnderStateDir } from './leftovers.js';

const run = promisify(execFile);

const skipReason =
  process.getuid?.() !== 0
    ? 'kube-local down/up needs root'
    : !existsSync(BINARY)
      ? `${BINARY} is not built (run: tools/setup)`
      : undefined;
if (skipReason) console.warn(`kube-local down/up proof skipped: ${skipReason}`);

async function kubeLocal(...args: string[]): Promise<{ stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await run(BINARY, args, { maxBuffer: 16 << 20, timeout: 240_000 });
    return { stdout, stderr, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`kube-local ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}`);
  }
}

describe.skipIf(skipReason !== undefined)('kube-local down, then up', () => {
  // Bring the cluster back the way it was started (cluster.json records the flags that matter).
  let upArgs = ['up'];
  let wasUp = false;
  let upDone = false;

  const up = async () => {
    upDone = true;
    return kubeLocal(...upArgs);
  };

  afterAll(async () => {
    if (!upDone && wasUp) await up(); // never leave the developer without the cluster they had
    if (!wasUp) {
      const r = await kubeLocal('down');
      console.log(`the cluster was not running before this test: stopped it again (${r.ms} ms)`);
    }
  }, 300_000);

  it('down leaves no kube-local or containerd-shim process, no mount under the state dir and no bridge', async () => {
    wasUp = await run(BINARY, ['status']).then(() => true, () => false);
    try {
      const info = JSON.parse(readFileSync(join(STATE_DIR, 'cluster.json'), 'utf8')) as {
        nodeIP?: string;
        apiPort?: number;
        etcdPort?: number;
        podEgress?: boolean;
      };
      if (info.apiPort) upArgs.push('--api-port', String(info.apiPort));
      if (info.etcdPort) upArgs.push('--etcd-port', String(info.etcdPort));
      if (info.nodeIP) upArgs.push('--node-ip', info.nodeIP);
      if (info.podEgress) upArgs.push('--pod-egress');
    } catch {
      upArgs = ['up'];
    }
    console.log(`cluster ${wasUp ? 'running' : 'not running'} before down; it will be restarted with: kube-local ${upArgs.join(' ')}`);

    const down = await kubeLocal('down');
    console.log(`kube-local down: ${down.ms} ms`);

    const left = {
      processes: clusterProcesses(),
      mounts: mountsUnderStateDir(),
      bridge: (await links()).filter((l) => l === 'kubelocal0'),
      iptablesChains: await iptablesChains(),
    };
    if (Object.values(left).some((v) => v.length > 0)) console.error(`left behind by down:\n${down.stderr}\n${JSON.stringify(left, null, 2)}`);
    expect(left).toEqual({ processes: [], mounts: [], bridge: [], iptablesChains: [] });
  });

  it('up brings the node back Ready with the default ServiceAccount', async () => {
    const r = await up();
    expect(r.stdout.trim()).toBe(join(STATE_DIR, 'admin.kubeconfig'));
    const found = await findLocalCluster(10_000);
    if (!('core' in found)) throw new Error(found.reason);
    const node = await until('a Ready node', () => nodeReady(found.core), 60_000, 200);
    await until('the default ServiceAccount', () =>
      found.core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' }).then(() => true, () => undefined),
    );
    console.log(`kube-local up → node ${node.metadata?.name} Ready: ${r.ms} ms`);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
