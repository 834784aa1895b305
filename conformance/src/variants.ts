import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from './cluster-providers/cluster-provider.js';

/**
 * One column of the pass table: a step strategy with kact's modules as a `kact.config.yaml`
 * and plugins choose them. The suite runs every case under every variant.
 */
export interface Variant {
  /** The column: `exec`, `sidecar`, `env:inline`, … */
  name: string;
  strategy: string;
  /** `kact.config.yaml` for every run (written beside the case, passed with `--config`). */
  config?: Record<string, unknown>;
  /** `--plugin`s for every run. */
  plugins?: string[];
  /** What the variant needs on the cluster while the suite runs; resolves with its undo. */
  prepare?(cluster: Cluster): Promise<() => Promise<void>>;
}

/** The Secret `secrets:cluster` reads; the `secrets-from-cluster` case prints its value masked. */
export const CONFORMANCE_SECRET = { name: 'kact-conformance-secrets', key: 'CLUSTER_ONLY_SECRET', value: 'cl7-secret-from-the-cluster' } as const;

const runnerClass = { image: 'kact.local/runner:trixie', resources: { requests: { cpu: '10m', memory: '32Mi' } } };

/** kact's built-in modules: each alternative to a default runs the whole suite under exec. */
export const BUILT_IN_VARIANTS: readonly Variant[] = [
  { name: 'exec', strategy: 'exec' },
  { name: 'sidecar', strategy: 'sidecar' },
  { name: 'env:inline', strategy: 'exec', config: { env: 'inline' } },
  { name: 'secrets:cluster', strategy: 'exec', config: { secrets: { from: `secret/${CONFORMANCE_SECRET.name}` } }, prepare: clusterSecret },
  { name: 'files:pvc', strategy: 'exec', config: { files: { toolCache: { claim: 'kact-conformance-tools' }, workspace: { claim: 'kact-conformance-work' } } }, prepare: claims },
  {
    name: 'containers:runner-classes',
    strategy: 'exec',
    config: { containers: { runnerClasses: { 'ubuntu-latest': runnerClass, 'ubuntu-22.04': runnerClass } } },
  },
  { name: 'services:pods', strategy: 'exec', config: { services: 'pods' } },
];

/**
 * Variants by name: a built-in one, or a strategy name (a built-in strategy, or one a plugin
 * in `plugins` binds) with kact's default modules.
 */
export function variantsNamed(names: string[], plugins: string[] = []): Variant[] {
  return names.map((name) => BUILT_IN_VARIANTS.find((v) => v.name === name) ?? { name, strategy: name, ...(plugins.length ? { plugins } : {}) });
}

function api(cluster: Cluster): { core: CoreV1Api; namespace: string } {
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  if (cluster.context) config.setCurrentContext(cluster.context);
  return { core: config.makeApiClient(CoreV1Api), namespace: cluster.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default' };
}

const ignoreMissing = (error: unknown) => {
  if ((error as { code?: number }).code !== 404) throw error;
};

async function clusterSecret(cluster: Cluster): Promise<() => Promise<void>> {
  const { core, namespace } = api(cluster);
  const name = CONFORMANCE_SECRET.name;
  await core.deleteNamespacedSecret({ name, namespace }).catch(ignoreMissing);
  await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: { [CONFORMANCE_SECRET.key]: CONFORMANCE_SECRET.value } } });
  return () => core.deleteNamespacedSecret({ name, namespace }).then(() => undefined, ignoreMissing);
}

/**
 * The two claims `files:pvc` mounts, on hostPath volumes of this machine (the local cluster
 * has no provisioner), bound before the suite starts so no job waits for a binding.
 */
async function claims(cluster: Cluster): Promise<() => Promise<void>> {
  const { core, namespace } = api(cluster);
  const folder = `/var/tmp/kact-conformance-pv-${randomBytes(4).toString('hex')}`;
  const names = ['kact-conformance-tools', 'kact-conformance-work'];
  const undo = async () => {
    await Promise.all(names.map((name) => core.deleteNamespacedPersistentVolumeClaim({ name, namespace }).catch(ignoreMissing)));
    await Promise.all(names.map((name) => core.deletePersistentVolume({ name: `${name}-${namespace}` }).catch(ignoreMissing)));
    await rm(folder, { recursive: true, force: true });
  };
  await undo();
  for (const name of names) {
    const path = `${folder}/${name}`;
    await mkdir(path, { recursive: true });
    await chmod(path, 0o777); // non-root job containers write there too
    const volumeName = `${name}-${namespace}`;
    await core.createPersistentVolume({
      body: {
        metadata: { name: volumeName },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path, type: 'Directory' } },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName, resources: { requests: { storage: '1Gi' } } } },
    });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const phases = await Promise.all(names.map(async (name) => (await core.readNamespacedPersistentVolumeClaim({ name, namespace })).status?.phase));
    if (phases.every((p) => p === 'Bound')) return undo;
    if (Date.now() > deadline) {
      await undo();
      throw new Error(`files:pvc: the conformance claims did not bind within 60 s (${phases.join(', ')})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
