import type { SecretProvider } from '@kact/core';
import { messageOf, type KubeConnection } from '@kact/kubernetes';
import { secretNameOf } from './secret-name.js';

/**
 * The run's secrets are the keys of one existing Secret in kact's namespace. Its values stay in
 * the cluster: kact reads them once, to hand them to steps and to mask them, and never copies
 * them into a per-job Secret. `-s` / `--secret-file` values win over the Secret's, as command
 * line flags win over kact.config.yaml, so one value can be overridden for a single run.
 */
export class ClusterSecrets implements SecretProvider {
  readonly name = 'cluster';
  private readonly secretName: string;

  constructor(
    private readonly connection: KubeConnection,
    secretName: string,
  ) {
    this.secretName = secretNameOf(secretName);
  }

  async load(given: Record<string, string>): Promise<Record<string, string>> {
    return { ...(await this.readSecret()), ...given };
  }

  jobSecret(): Record<string, string> {
    return {};
  }

  private async readSecret(): Promise<Record<string, string>> {
    const { core, namespace } = this.connection;
    const secret = `secret/${this.secretName}`;
    let data: Record<string, string>;
    try {
      data = (await core.readNamespacedSecret({ name: this.secretName, namespace })).data ?? {};
    } catch (error) {
      const status = (error as { code?: unknown } | undefined)?.code;
      if (status === 404) throw new Error(`${secret} not found in namespace ${namespace} (secrets.from in kact.config.yaml)`);
      if (status === 403) throw new Error(`cannot read ${secret} in namespace ${namespace}: missing permission "get secrets" (${messageOf(error)})`);
      throw new Error(`cannot read ${secret} in namespace ${namespace}: ${messageOf(error)}`);
    }
    // The API returns `data` base64-encoded; secrets reach steps as text, so decode as UTF-8.
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  }
}
