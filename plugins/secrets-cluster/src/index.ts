import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { KUBE_TOKENS, type KubeConnection } from '@kact/kubernetes';
import { ClusterSecrets } from './cluster-secrets.js';
import { secretNameOf } from './secret-name.js';

/**
 * SecretProvider `cluster` for `secrets: { from: secret/NAME }`: the run's secrets are that
 * Secret's keys. The name is checked now, when the config is read; the Secret when the run loads it.
 */
export function secretsFromCluster(from: string): ContainerModule {
  const name = secretNameOf(from);
  return new ContainerModule(({ bind }) => {
    // Dynamic: the connection is bound by the Kubernetes backend module, loaded independently.
    bind(TOKENS.SecretProvider).toDynamicValue((context) => new ClusterSecrets(context.get<KubeConnection>(KUBE_TOKENS.Connection), name)).inSingletonScope();
  });
}

export default secretsFromCluster;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { ClusterSecrets } from './cluster-secrets.js';
export { secretNameOf } from './secret-name.js';
