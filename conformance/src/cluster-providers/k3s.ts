import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Availability, Cluster, ClusterProvider } from './cluster-provider.js';

export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.2-k3s1';

export interface K3sOptions {
  image?: string;
  /**
   * OCI archives imported into k3s's containerd once it runs (tools/images builds them), for
   * images no registry serves, such as kact's runner image.
   */
  images?: string[];
}

/**
 * A throwaway k3s cluster in a container (@testcontainers/k3s). Needs a Docker engine that
 * answers, and images the cases use must be pullable or loaded into it.
 */
export class K3sProvider implements ClusterProvider {
  readonly name = 'k3s';

  constructor(private readonly options: K3sOptions = {}) {}

  async check(): Promise<Availability> {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return { available: true };
    } catch (err) {
      return { available: false, reason: `k3s needs a Docker engine for testcontainers, and none answers: ${(err as Error).message.split('\n')[0]}` };
    }
  }

  async start(): Promise<Cluster> {
    const availability = await this.check();
    if (!availability.available) throw new Error(availability.reason);
    const { K3sContainer } = await import('@testcontainers/k3s');
    const container = await new K3sContainer(this.options.image ?? DEFAULT_K3S_IMAGE).start();
    for (const [i, archive] of (this.options.images ?? []).entries()) {
      const target = `/tmp/kact-image-${i}.tar`;
      await container.copyFilesToContainer([{ source: archive, target }]);
      const imported = await container.exec(['ctr', '-n', 'k8s.io', 'images', 'import', target]);
      if (imported.exitCode !== 0) {
        await container.stop();
        throw new Error(`k3s: importing ${archive} failed: ${imported.output.trim().split('\n').pop()}`);
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'kact-k3s-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, container.getKubeConfig());
    return {
      kubeconfig,
      description: `k3s ${this.options.image ?? DEFAULT_K3S_IMAGE} in container ${container.getId().slice(0, 12)}`,
      stop: async () => {
        await container.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
