import { ContainerModule } from 'inversify';
import { TOKENS, type EnvProvider, type FileSharing, type ServiceNetworking } from '@kact/core';
import { connectToCluster, type KubeConnection, type KubeConnectionOptions } from './connection.js';
import type { PodFileCopy } from './ephemeral-copy-in.js';
import { StepContainers } from './ephemeral-step.js';
import { KubeExecTransport } from './exec-transport.js';
import { KUBE_TOKENS } from './kube-tokens.js';
import { KubernetesJobBackend, type JobBackendSettings, type JobPodParts } from './kubernetes-job-backend.js';


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
