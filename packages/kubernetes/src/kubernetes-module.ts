import { ContainerModule } from 'inversify';
import { TOKENS } from '@kact/core';
import { connectToCluster, type KubeConnection, type KubeConnectionOptions } from './connection.js';
import { KubeExecTransport } from './exec-transport.js';
import { KubernetesJobBackend, type JobBackendSettings } from './kubernetes-job-backend.js';

/** Tokens for what plugins may need from the Kubernetes backend (`Symbol.for`: equal across package copies). */
export const KUBE_TOKENS = {
  /** KubeConnection: the cluster, namespace and API client in use. */
  Connection: Symbol.for('kact.kubernetes.Connection'),
  /** PodTransport: exec into job pods and read container state. */
  PodTransport: Symbol.for('kact.kubernetes.PodTransport'),
} as const;

/**
 * The Kubernetes backend as an inversify module: JobBackend, the cluster connection and the pod
 * transport step strategies build on. The composition root (the CLI) passes the cluster options.
 */
export function kubernetesBackend(options: KubeConnectionOptions & JobBackendSettings & { connection?: KubeConnection } = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const connection = options.connection ?? connectToCluster(options);
    const transport = new KubeExecTransport(connection);
    bind(KUBE_TOKENS.Connection).toConstantValue(connection);
    bind(KUBE_TOKENS.PodTransport).toConstantValue(transport);
    bind(TOKENS.JobBackend).toConstantValue(new KubernetesJobBackend(connection, transport, options));
  });
}
