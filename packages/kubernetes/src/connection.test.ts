import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReachable, ClusterUnreachableError, connectToCluster } from './connection.js';

const kubeconfig = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kact-kc-'));
  const path = join(dir, 'config');
  await writeFile(
    path,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\n' +
      'contexts: [{name: x, context: {cluster: c, user: u, namespace: ci}}, {name: y, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  return path;
};

describe('connectToCluster', () => {
  it('takes context and namespace from the kubeconfig, flags win', async () => {
    const path = await kubeconfig();
    expect(connectToCluster({ kubeconfig: path })).toMatchObject({ context: 'x', namespace: 'ci', server: 'https://127.0.0.1:1' });
    expect(connectToCluster({ kubeconfig: path, context: 'y' })).toMatchObject({ context: 'y', namespace: 'default' });
    expect(connectToCluster({ kubeconfig: path, context: 'y', namespace: 'n' }).namespace).toBe('n');
  });

  it('names the contexts there are when the asked one is missing', async () => {
    const path = await kubeconfig();
    expect(() => connectToCluster({ kubeconfig: path, context: 'z' })).toThrow('kubeconfig has no context "z" (has: x, y)');
  });

  it('says in one line which server of which context cannot be reached', async () => {
    const connection = connectToCluster({ kubeconfig: await kubeconfig() });
    const error = await checkReachable(connection, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect((error as Error).message).toMatch(/^cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context "x"\): .+$/);
    expect((error as Error).message).not.toContain('\n');
  });
});
