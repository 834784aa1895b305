import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { JobBackend, JobPod, JobPodRequest } from '@kact/core';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import { collectGarbage, type GcReport } from './gc.js';
import { copyIntoPod, type CopyInOptions } from './copy-in.js';
import type { PodFileCopy } from './ephemeral-copy-in.js';
import { buildJobPod, jobObjectNames, LABELS, labelValue } from './pod-builder.js';
import type { PodTransport } from './pod-transport.js';
import { PodStartError, waitForPodRunning } from './pod-watch.js';

export interface JobBackendSettings {
  /** Image of the init container that supplies the pod's busybox. */
  toolsImage?: string;
  /** How long a pod may take to run all its containers (image pulls included). */
  startTimeoutMs?: number;
  /** Called with options kact cannot honour and similar non-fatal findings. */
  warn?: (message: string) => void;
  /** How copyIn puts files into the pod; default: a tar over `pods/exec` into the main container. */
  files?: PodFileCopy;
}

export const DEFAULT_TOOLS_IMAGE = 'kact.local/runner:trixie';

/** Job pods on a Kubernetes cluster: a pod, a ConfigMap with its env and a Secret, created and deleted together. */
export class KubernetesJobBackend implements JobBackend {
  constructor(
    private readonly connection: KubeConnection,
    private readonly transport: PodTransport,
    private readonly settings: JobBackendSettings = {},
  ) {}

  async startJob(request: JobPodRequest, signal: AbortSignal): Promise<JobPod> {
    const { core, namespace } = this.connection;
    const resources = buildJobPod(request, { namespace, toolsImage: this.settings.toolsImage ?? DEFAULT_TOOLS_IMAGE });
    for (const warning of resources.warnings) this.settings.warn?.(`${request.name}: ${warning}`);
    const ref = { name: request.name, namespace };
    try {
      // Env and secrets first: the containers reference them and would fail to start without them.
      await Promise.all([
        core.createNamespacedConfigMap({ namespace, body: resources.configMap }),
        core.createNamespacedSecret({ namespace, body: resources.secret }),
        resources.pullSecret ? core.createNamespacedSecret({ namespace, body: resources.pullSecret }) : undefined,
      ]);
      const created = await core.createNamespacedPod({ namespace, body: resources.pod });
      // Owner references make the cluster delete ConfigMap and Secret with the pod, even if kact dies.
      const owned = this.adoptObjects(created, resources.pullSecret !== undefined);
      const running = await waitForPodRunning(this.connection, created, {
        signal,
        ...(this.settings.startTimeoutMs ? { timeoutMs: this.settings.startTimeoutMs } : {}),
      });
      await owned;
      return toJobPod(request, running, resources.warnings);
    } catch (error) {
      await this.stopJob(ref).catch(() => undefined);
      if (error instanceof PodStartError) throw new PodStartError(`job pod ${request.name}: ${error.message}`);
      throw new PodStartError(`job pod ${request.name}: ${messageOf(error)}`);
    }
  }

  async copyIn(pod: JobPod, localDir: string, podPath: string, options?: CopyInOptions): Promise<void> {
    if (this.settings.files) return this.settings.files.copyIn(pod, localDir, podPath, options);
    await copyIntoPod(this.transport, pod, pod.mainContainer, localDir, podPath, options);
  }

  async stopJob(pod: Pick<JobPod, 'name' | 'namespace'>): Promise<void> {
    const { core } = this.connection;
    const names = jobObjectNames(pod.name);
    const namespace = pod.namespace;
    const ignoreMissing = (error: unknown) => {
      if (!isHttpStatus(error, 404)) throw error;
    };
    await Promise.all([
      core.deleteNamespacedPod({ name: names.pod, namespace, gracePeriodSeconds: 0 }).catch(ignoreMissing),
      core.deleteNamespacedConfigMap({ name: names.configMap, namespace }).catch(ignoreMissing),
      core.deleteNamespacedSecret({ name: names.secret, namespace }).catch(ignoreMissing),
      core.deleteNamespacedSecret({ name: names.pullSecret, namespace }).catch(ignoreMissing),
      // Per-step Secrets of step containers (normally deleted as each step starts).
      core.deleteCollectionNamespacedSecret({ namespace, labelSelector: `${LABELS.pod}=${labelValue(pod.name)}` }).catch(ignoreMissing),
    ]);
  }

  /** Deletes leftovers of runs that are no longer alive (`kact gc`). */
  gc(runIdAlive: (runId: string) => boolean): Promise<GcReport> {
    return collectGarbage(this.connection, runIdAlive);
  }

  private async adoptObjects(pod: V1Pod, pullSecret: boolean): Promise<void> {
    const { core, namespace } = this.connection;
    const names = jobObjectNames(pod.metadata!.name!);
    const owner: V1OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: names.pod, uid: pod.metadata!.uid!, blockOwnerDeletion: false };
    const body = { metadata: { ownerReferences: [owner] } };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await Promise.all([
      core.patchNamespacedConfigMap({ name: names.configMap, namespace, body }, merge),
      core.patchNamespacedSecret({ name: names.secret, namespace, body }, merge),
      pullSecret ? core.patchNamespacedSecret({ name: names.pullSecret, namespace, body }, merge) : undefined,
    ]);
  }
}

function toJobPod(request: JobPodRequest, pod: V1Pod, warnings: string[]): JobPod {
  const services: JobPod['services'] = {};
  for (const service of request.services) {
    // Same pod, same network namespace: a service's port is reachable on localhost at the same number.
    const ports = Object.fromEntries((service.container.ports ?? []).map((p) => [String(p), String(p)]));
    services[service.id] = { container: service.container.name, ports };
  }
  return { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, mainContainer: request.main.name, services, warnings };
}
