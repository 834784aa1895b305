import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Cluster, ClusterProvider } from '../src/cluster-providers/cluster-provider.js';

export interface OwnNamespace {
  cluster: Cluster;
  core: CoreV1Api;
  namespace: string;
  /** Deletes the namespace (and with it whatever a test left) and releases the cluster. */
  remove(): Promise<void>;
}

/** The provider's cluster with a namespace of a test file's own: its runs and `kact gc` see only theirs. */
export async function ownNamespace(provider: ClusterProvider, prefix: string): Promise<OwnNamespace> {
  const cluster = await provider.start();
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  if (cluster.context) config.setCurrentContext(cluster.context);
  const core = config.makeApiClient(CoreV1Api);
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    cluster,
    core,
    namespace,
    remove: async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await cluster.stop();
    },
  };
}
