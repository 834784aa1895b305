import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { probeApiServer } from './api-probe.js';
import type { Availability, Cluster, ClusterProvider } from './cluster-provider.js';

export interface KubeconfigOptions {
  /** Default: $KUBECONFIG (its first entry), then ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** An existing cluster, reached through a kubeconfig (KUBECONFIG, --context, --namespace). */
export class KubeconfigProvider implements ClusterProvider {
  readonly name = 'kubeconfig';
  private readonly file: string;

  constructor(private readonly options: KubeconfigOptions = {}) {
    this.file = options.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  }

  async check(): Promise<Availability> {
    if (!existsSync(this.file)) return { available: false, reason: `no kubeconfig at ${this.file} (set KUBECONFIG or pass kubeconfig)` };
    const probe = await probeApiServer(this.file, this.options.context);
    return probe.ok ? { available: true } : { available: false, reason: probe.reason };
  }

  async start(): Promise<Cluster> {
    const probe = existsSync(this.file) ? await probeApiServer(this.file, this.options.context) : { ok: false as const, reason: `no kubeconfig at ${this.file}` };
    if (!probe.ok) throw new Error(probe.reason);
    return {
      kubeconfig: this.file,
      ...(this.options.context ? { context: this.options.context } : {}),
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      description: `kubeconfig ${this.file}: ${probe.server}`,
      stop: async () => undefined,
    };
  }
}
