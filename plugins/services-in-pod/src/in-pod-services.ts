import type { HostAlias, ServiceNetworking, ServiceRequest, ServicesStarted } from '@kact/core';

const HOST_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i;

/**
 * Services as containers of the job pod: they share its network, so steps reach each at
 * `localhost` on its container port, and by its id through an /etc/hosts entry. Nothing is
 * created outside the pod. A published port other than the container's cannot be honoured.
 */
export class InPodServices implements ServiceNetworking {
  readonly name = 'in-pod';

  async start(_job: unknown, services: ServiceRequest[]): Promise<ServicesStarted> {
    const warnings: string[] = [];
    const endpoints: ServicesStarted['endpoints'] = {};
    const hostnames: string[] = [];
    for (const service of services) {
      const ports: Record<string, string> = {};
      for (const { published, container } of service.ports) {
        ports[String(container)] = String(container);
        if (published !== container) warnings.push(`service ${service.id}: port ${published}:${container} cannot be remapped inside the job pod; it answers on ${container} (services: pods can remap)`);
      }
      endpoints[service.id] = { container: service.container.name, host: 'localhost', ports };
      if (HOST_NAME.test(service.id)) hostnames.push(service.id);
      else warnings.push(`service ${service.id}: not a valid host name; reachable on localhost only`);
    }
    const hostAliases: HostAlias[] = hostnames.length ? [{ ip: '127.0.0.1', hostnames }] : [];
    return { inPod: services, hostAliases, endpoints, warnings };
  }

  async stop(): Promise<void> {}
}
