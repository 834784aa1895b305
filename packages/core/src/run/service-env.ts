import type { ServiceEndpoint } from '../backend/job-backend.js';

const envName = (id: string) => id.toUpperCase().replace(/-/g, '_');

/**
 * Service discovery variables: `<ID>_HOST` (where the ServiceNetworking says the service
 * answers: `localhost` for services in the job pod) and `<ID>_PORT` (the port steps use for its
 * first mapped port), plus `<ID>_PORT_<n>` (1-based) for each port when a service maps several.
 * Ids are upper-cased, `-` becomes `_`.
 */
export function serviceEnv(services: Record<string, ServiceEndpoint>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [id, service] of Object.entries(services)) {
    const name = envName(id);
    const ports = Object.values(service.ports);
    env[`${name}_HOST`] = service.host;
    if (ports.length > 0) env[`${name}_PORT`] = ports[0]!;
    if (ports.length > 1) ports.forEach((port, i) => (env[`${name}_PORT_${i + 1}`] = port));
  }
  return env;
}
