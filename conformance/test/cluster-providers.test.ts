import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/cases.js';
import { K3sProvider } from '../src/cluster-providers/k3s.js';
import { KubeconfigProvider } from '../src/cluster-providers/kubeconfig.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import { listRunResources } from '../src/leftovers.js';

const k3s = new K3sProvider();
const docker = await k3s.check();
if (!docker.available) console.log(`k3s provider test skipped: ${docker.reason}`);

describe('cluster providers', () => {
  it('kubeconfig: a missing file is a one-line reason, not a crash', async () => {
    const a = await new KubeconfigProvider({ kubeconfig: '/nonexistent/kubeconfig' }).check();
    expect(a).toEqual({ available: false, reason: expect.stringContaining('/nonexistent/kubeconfig') });
    await expect(new KubeconfigProvider({ kubeconfig: '/nonexistent/kubeconfig' }).start()).rejects.toThrow('/nonexistent/kubeconfig');
  });

  it('local: answers with a cluster or a reason naming kube-local', async () => {
    const provider = new LocalProvider({ repoRoot: REPO_ROOT });
    const a = await provider.check();
    if (!a.available) {
      expect(a.reason).toMatch(/kube-local/);
      console.log(`local provider: ${a.reason}`);
      return;
    }
    const cluster = await provider.start();
    expect(cluster.description).toMatch(/kube-local https:/);
    expect(await listRunResources(cluster, 'no-such-run')).toEqual([]);
  });

  it.skipIf(!docker.available)('k3s: starts a throwaway cluster whose apiserver answers', async () => {
    const cluster = await k3s.start();
    try {
      expect(await listRunResources(cluster, 'no-such-run')).toEqual([]);
    } finally {
      await cluster.stop();
    }
  }, 5 * 60_000);
});
