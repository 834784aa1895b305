import { ContainerModule } from 'inversify';
import { TOKENS, type EnvProvider, type FileSharing, type ServiceNetworking } from '@kact/core';
import { connectToCluster, type KubeConnection, type KubeConnectionOptions } from './connection.js';
import type { PodFileCopy } from './ephemeral-copy-in.js';
import { StepContainers } from './ephemeral-step.js';
import { KubeExecTransport } from './exec-transport.js';
import { KubernetesJobBackend, type JobBackendSettings, type JobPodParts } from './kubernetes-job-backend.js';

/** Tokens for what plugins may need from the Kubernetes backend (`Symbol.for`: equal across package copies). */
export const KUBE_TOKENS = {
  /** KubeConnection: the cluster, namespace and API client in use. */
  Connection: Symbol.for('kact.kubernetes.Connection'),
  /** PodTransport: exec into job pods and read container state. */
  PodTransport: Symbol.for('kact.kubernetes.PodTransport'),
  /** StepContainers: steps as ephemeral containers of the job pod (docker actions; the sidecar strategy). */
  StepContainers: Symbol.for('kact.kubernetes.StepContainers'),
  /**
   * PodFileCopy, optional: how JobBackend.copyIn puts files into pods. Unbound: a tar over
   * `pods/exec`. A strategy that must work without `pods/exec` binds its own.
   */
  PodFileCopy: Symbol.for('kact.kubernetes.PodFileCopy'),
} as const;

/**
 * The Kubernetes backend as an inversify module: JobBackend, the cluster connection and the pod
 * transport step strategies build on. The composition root (the CLI) passes the cluster options
 * and binds the EnvProvider, FileSharing and ServiceNetworking the JobBackend builds pods with.
 */
export function kubernetesBackend(options: KubeConnectionOptions & JobBackendSettings & { connection?: KubeConnection } = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const connection = options.connection ?? connectToCluster(options);
    const transport = new KubeExecTransport(connection);
    bind(KUBE_TOKENS.Connection).toConstantValue(connection);
    bind(KUBE_TOKENS.PodTransport).toConstantValue(transport);
    bind(KUBE_TOKENS.StepContainers).toConstantValue(new StepContainers(connection));
    // Resolved when first asked for, so a strategy module loaded after this one can supply PodFileCopy.
    bind(TOKENS.JobBackend)
      .toDynamicValue((context) => {
        const files = context.get<PodFileCopy>(KUBE_TOKENS.PodFileCopy, { optional: true });
        // Unbound: the backend's defaults (a ConfigMap, emptyDirs, services in the pod).
        const parts: JobPodParts = {
          env: context.get<EnvProvider>(TOKENS.EnvProvider, { optional: true }),
          volumes: context.get<FileSharing>(TOKENS.FileSharing, { optional: true }),
          services: context.get<ServiceNetworking>(TOKENS.ServiceNetworking, { optional: true }),
        };
        return new KubernetesJobBackend(connection, transport, { ...options, ...parts, ...(files ? { files } : {}) });
      })
      .inSingletonScope();
  });
}
