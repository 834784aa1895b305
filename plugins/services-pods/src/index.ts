import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { KUBE_TOKENS, type KubeConnection } from '@kact/kubernetes';
import { PodServiceNetworking, type PodServiceSettings } from './pod-service-networking.js';

/**
 * ServiceNetworking `pods`: each service its own pod behind a ClusterIP Service, built with the
 * cluster connection of the Kubernetes backend (KUBE_TOKENS.Connection). Needs ClusterIP routing
 * (kube-proxy) in the cluster.
 */
export function servicesAsPods(options: PodServiceSettings = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ServiceNetworking)
      .toDynamicValue((context) => new PodServiceNetworking(context.get<KubeConnection>(KUBE_TOKENS.Connection), options))
      .inSingletonScope();
  });
}

export default servicesAsPods();
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { PodServiceNetworking, type PodServiceSettings } from './pod-service-networking.js';
export { buildServiceObjects, escapeExpansion, idLabel, SERVICE_LABELS, serviceObjectName, type ServiceObjects } from './service-objects.js';
export { checkPublishedPorts, FORWARD_CONTAINER, FORWARD_HEALTH_OPTIONS, FORWARD_ID, FORWARD_READY_FILE, FORWARD_SCRIPT, forwarderRequest, routeArgument, type ForwardRoute } from './localhost-forward.js';
