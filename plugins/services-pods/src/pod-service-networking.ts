import { DiscoveryV1Api, type V1Pod } from '@kubernetes/client-node';
import type { HostAlias, ServiceJob, ServiceNetworking, ServiceRequest, ServicesStarted } from '@kact/core';
import { DEFAULT_TOOLS_IMAGE, isHttpStatus, LABELS, labelValue, messageOf, waitForPodRunning, type KubeConnection } from '@kact/kubernetes';
import { checkPublishedPorts, forwarderRequest, type ForwardRoute } from './localhost-forward.js';
import { buildServiceObjects, SERVICE_LABELS, type ServiceObjects } from './service-objects.js';

export interface PodServiceSettings {
  /** How long a service pod may take to run and pass its health check (default 300 s). */
  startTimeoutMs?: number;
  /**
   * How long to wait, once a service pod is ready, for its Service's EndpointSlice to list it
   * (default 15 s): until then a ClusterIP refuses connections. Past it, start goes on with a warning.
   */
  endpointTimeoutMs?: number;
  /**
   * Image of the job pod's localhost forwarder (`kact-svc-forward`): it must run `node` (20 or
   * later) with `/bin/sh`, `test` and `sleep` for its health check. Default: kact's tools image.
   */
  toolsImage?: string;
}

const HOST_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i;

/**
 * ServiceNetworking `pods`: each service runs in a pod of its own behind a ClusterIP Service of
 * the same name, so two services may listen on the same container port and `ports: ['8080:80']`
 * remaps. Steps reach a service at its ClusterIP on the published port, by its id through an
 * /etc/hosts entry of the job pod. A service without ports gets no Service: its host is the pod IP.
 * As on GitHub, where Docker publishes a service's ports on the runner, a job on the runner also
 * reaches them at `localhost:<published port>`: a forwarder container in the job pod listens there
 * (see localhost-forward.ts), so two services cannot publish the same port.
 * Needs a cluster that routes ClusterIPs (kube-proxy or an equivalent).
 */
export class PodServiceNetworking implements ServiceNetworking {
  readonly name = 'pods';

  constructor(
    private readonly connection: KubeConnection,
    private readonly settings: PodServiceSettings = {},
  ) {}

  async start(job: ServiceJob, services: ServiceRequest[], signal: AbortSignal): Promise<ServicesStarted> {
    const result: ServicesStarted = { inPod: [], hostAliases: [], endpoints: {}, warnings: [] };
    if (services.length === 0) return result;
    checkPublishedPorts(services);
    const built = services.map((service) => buildServiceObjects(job, service));
    // One failure cancels the other starts; the external signal cancels them all.
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const starts = built.map((objects) =>
      this.startOne(job.namespace, objects, inner.signal).catch((error: unknown) => {
        inner.abort();
        throw error;
      }),
    );
    try {
      if (signal.aborted) throw new Error(`start of services ${services.map((s) => s.id).join(', ')} cancelled`);
      const started = await Promise.all(starts);
      const routes: ForwardRoute[] = [];
      for (const [i, objects] of built.entries()) {
        const { host, warning } = started[i]!;
        result.endpoints[objects.id] = { container: objects.name, host, ports: objects.ports };
        result.warnings!.push(...objects.warnings);
        if (warning) result.warnings!.push(warning);
        if (HOST_NAME.test(objects.id)) result.hostAliases.push({ ip: host, hostnames: [objects.id] } satisfies HostAlias);
        else result.warnings!.push(`service ${objects.id}: not a valid host name; reachable through ${envName(objects.id)}_HOST (${host}) only`);
        // The Service's ports are the published ones, once each; a service without them has none.
        for (const { port } of objects.service?.spec?.ports ?? []) routes.push({ service: objects.id, host, port });
      }
      const forwarder = forwarderRequest(routes, this.settings.toolsImage ?? DEFAULT_TOOLS_IMAGE);
      if (forwarder) result.inPod.push(forwarder);
      return result;
    } catch (error) {
      // Let every start settle (they see the abort at once) so nothing is created after the clean-up.
      await Promise.allSettled(starts);
      await this.stop(job).catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async stop(job: Pick<ServiceJob, 'podName' | 'namespace'>): Promise<void> {
    const { core } = this.connection;
    const namespace = job.namespace;
    // The job pod carries kact.dev/pod too: only objects with the service label go.
    const labelSelector = `${LABELS.pod}=${labelValue(job.podName)},${SERVICE_LABELS.object}`;
    const ignoreMissing = (error: unknown) => {
      if (!isHttpStatus(error, 404)) throw error;
    };
    const [pods, services] = await Promise.all([core.listNamespacedPod({ namespace, labelSelector }), core.listNamespacedService({ namespace, labelSelector })]);
    await Promise.all([
      ...pods.items.map((pod) => core.deleteNamespacedPod({ namespace, name: pod.metadata!.name!, gracePeriodSeconds: 0 }).catch(ignoreMissing)),
      ...services.items.map((service) => core.deleteNamespacedService({ namespace, name: service.metadata!.name! }).catch(ignoreMissing)),
      // The services' own Secrets (their secret env).
      core.deleteCollectionNamespacedSecret({ namespace, labelSelector }).catch(ignoreMissing),
    ]);
  }

  /** Creates one service's Service and pod, waits for the pod to be ready and its endpoint listed. */
  private async startOne(namespace: string, objects: ServiceObjects, signal: AbortSignal): Promise<{ host: string; warning?: string }> {
    const { core } = this.connection;
    const what = `service ${objects.id} (image ${objects.image})`;
    const connection = namespace === this.connection.namespace ? this.connection : { ...this.connection, namespace };
    try {
      if (signal.aborted) throw new Error('cancelled');
      // The Service first: its ClusterIP is known before the pod runs, and it picks the pod up when ready.
      const service = objects.service ? await core.createNamespacedService({ namespace, body: objects.service }) : undefined;
      if (objects.secret) await core.createNamespacedSecret({ namespace, body: objects.secret });
      if (signal.aborted) throw new Error('cancelled');
      const created = await core.createNamespacedPod({ namespace, body: objects.pod });
      const running = await waitForPodRunning(connection, created, { signal, ...(this.settings.startTimeoutMs ? { timeoutMs: this.settings.startTimeoutMs } : {}) });
      if (!service) {
        const podIp = running.status?.podIP ?? (await core.readNamespacedPod({ namespace, name: objects.name })).status?.podIP;
        if (!podIp) throw new Error(`pod ${objects.name} runs but has no IP`);
        return { host: podIp };
      }
      const clusterIp = service.spec?.clusterIP;
      if (!clusterIp || clusterIp === 'None') throw new Error(`Service ${objects.name} got no ClusterIP`);
      const listed = await this.waitForEndpoint(namespace, objects.name, running, signal);
      if (listed === 'ready') return { host: clusterIp };
      const why = listed === 'forbidden' ? 'kact may not list EndpointSlices here, so it did not wait for' : 'gave up waiting for';
      return { host: clusterIp, warning: `${what}: ${why} its Service to list the ready pod; the first connections may be refused` };
    } catch (error) {
      throw new Error(`${what} did not start: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Polls the Service's EndpointSlices until they list the pod as ready. */
  private async waitForEndpoint(namespace: string, service: string, pod: V1Pod, signal: AbortSignal): Promise<'ready' | 'timeout' | 'forbidden'> {
    const discovery = this.connection.config.makeApiClient(DiscoveryV1Api);
    const podName = pod.metadata?.name;
    const deadline = Date.now() + (this.settings.endpointTimeoutMs ?? 15_000);
    for (;;) {
      if (signal.aborted) throw new Error('cancelled');
      let slices;
      try {
        slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
      } catch (error) {
        if (isHttpStatus(error, 403)) return 'forbidden';
        throw error;
      }
      const ready = slices.items.some((slice) => slice.endpoints?.some((e) => e.targetRef?.name === podName && e.conditions?.ready !== false));
      if (ready) return 'ready';
      if (Date.now() >= deadline) return 'timeout';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The name core gives a service's env vars (`<ID>_HOST`): the id in upper case, `-` as `_`. */
function envName(id: string): string {
  return id.toUpperCase().replace(/-/g, '_');
}
