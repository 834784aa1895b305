import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeApiServer } from './api-probe.js';
import type { Availability, Cluster, ClusterProvider } from './cluster-provider.js';

export const LOCAL_KUBECONFIG = '/var/lib/kube-local/admin.kubeconfig';

export interface LocalOptions {
  /** The repository root, where tools/kube-local lives. */
  repoRoot: string;
  /** Run `tools/kube-local/bin/kube-local up` when the cluster is not answering. */
  up?: boolean;
  kubeconfig?: string;
}

/** The kube-local cluster of this machine (tools/kube-local), brought up on request. */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local';
  private readonly kubeconfig: string;

  constructor(private readonly options: LocalOptions) {
    this.kubeconfig = options.kubeconfig ?? LOCAL_KUBECONFIG;
  }

  private get script(): string {
    return join(this.options.repoRoot, 'tools', 'kube-local', 'bin', 'kube-local');
  }

  async check(): Promise<Availability> {
    if (!existsSync(this.kubeconfig)) return { available: false, reason: `kube-local is not set up: no ${this.kubeconfig} (run ${this.script} up)` };
    const probe = await probeApiServer(this.kubeconfig);
    return probe.ok ? { available: true } : { available: false, reason: `kube-local: ${probe.reason} (run ${this.script} up)` };
  }

  async start(): Promise<Cluster> {
    let availability = await this.check();
    if (!availability.available && this.options.up) {
      await promisify(execFile)(this.script, ['up'], { timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
      availability = await this.check();
    }
    if (!availability.available) throw new Error(availability.reason);
    const probe = await probeApiServer(this.kubeconfig);
    return { kubeconfig: this.kubeconfig, description: `kube-local ${probe.ok ? probe.server : ''}`.trim(), stop: async () => undefined };
  }
}
