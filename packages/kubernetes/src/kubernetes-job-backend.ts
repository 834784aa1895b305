import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { EnvProvider, FileSharing, JobBackend, JobPod, JobPodRequest, KubeObject, ServiceNetworking, ServicesStarted } from '@kact/core';
import { ConfigMapEnv } from '@kact/env-configmap';
import { EmptyDirFiles } from '@kact/files-emptydir';
import { InPodServices } from '@kact/services-in-pod';
import type { KubeConnection } from './connection.js';
import { isHttpStatus, messageOf } from './connection.js';
import { collectGarbage, type GcReport } from './gc.js';
import { copyIntoPod, type CopyInOptions } from './copy-in.js';
import type { PodFileCopy } from './ephemeral-copy-in.js';
import { buildJobPod, jobLabels, LABELS, labelValue } from './pod-builder.js';
import type { PodTransport } from './pod-transport.js';
import { PodStartError, waitForPodRunning } from './pod-watch.js';

/** The pluggable parts of a job pod (DI tokens); kact's defaults where none is given. */
export interface JobPodParts {
  env?: EnvProvider;
  volumes?: FileSharing;
  services?: ServiceNetworking;
}

export interface JobBackendSettings extends JobPodParts {
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

/**
 * Job pods on a Kubernetes cluster: the services (as the ServiceNetworking runs them), then the
 * objects the pod reads (env, the job's Secret), then the pod; all deleted together.
 */
export class KubernetesJobBackend implements JobBackend {
  private readonly env: EnvProvider;
  private readonly volumes: FileSharing;
  private readonly services: ServiceNetworking;
  private readonly objects: KubernetesObjectApi;

  constructor(
    private readonly connection: KubeConnection,
    private readonly transport: PodTransport,
    private readonly settings: JobBackendSettings = {},
  ) {
    this.env = settings.env ?? new ConfigMapEnv();
    this.volumes = settings.volumes ?? new EmptyDirFiles();
    this.services = settings.services ?? new InPodServices();
    this.objects = KubernetesObjectApi.makeApiClient(connection.config);
  }

  async startJob(request: JobPodRequest, signal: AbortSignal): Promise<JobPod> {
    const { core, namespace } = this.connection;
    const ref = { name: request.name, namespace };
    try {
      const serviceJob = { runId: request.runId, podName: request.name, namespace, labels: jobLabels(request), secrets: request.secrets, ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}) };
      const started = await this.services.start(serviceJob, request.services, signal);
      const resources = buildJobPod(request, { namespace, toolsImage: this.settings.toolsImage ?? DEFAULT_TOOLS_IMAGE, env: this.env, files: this.volumes }, started);
      const warnings = [...resources.warnings, ...(started.warnings ?? [])];
      for (const warning of warnings) this.settings.warn?.(`${request.name}: ${warning}`);
      // The objects first: the containers reference them and would fail to start without them.
      await Promise.all(resources.objects.map((object) => this.objects.create(object)));
      const created = await core.createNamespacedPod({ namespace, body: resources.pod });
      // Owner references make the cluster delete them with the pod, even if kact dies.
      const owned = this.adoptObjects(created, resources.objects);
      const running = await waitForPodRunning(this.connection, created, {
        signal,
        ...(this.settings.startTimeoutMs ? { timeoutMs: this.settings.startTimeoutMs } : {}),
      });
      await owned;
      return toJobPod(request, running, started, warnings);
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
    const namespace = pod.namespace;
    const labelSelector = `${LABELS.pod}=${labelValue(pod.name)}`;
    // Missing is fine (idempotent), and so is forbidden: kact cannot have created what it may not list.
    const ignoreGone = (error: unknown) => {
      if (!isHttpStatus(error, 404) && !isHttpStatus(error, 403)) throw error;
    };
    await Promise.all([
      core.deleteNamespacedPod({ name: pod.name, namespace, gracePeriodSeconds: 0 }).catch(ignoreGone),
      // The job's Secrets (its own, the pull secret, per-step ones) and env objects carry the pod's label.
      core.deleteCollectionNamespacedSecret({ namespace, labelSelector }).catch(ignoreGone),
      core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector }).catch(ignoreGone),
      this.services.stop({ podName: pod.name, namespace }),
    ]);
  }

  /** Deletes leftovers of runs that are no longer alive (`kact gc`). */
  gc(runIdAlive: (runId: string) => boolean): Promise<GcReport> {
    return collectGarbage(this.connection, runIdAlive);
  }

  private async adoptObjects(pod: V1Pod, objects: KubeObject[]): Promise<void> {
    const owner: V1OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid!, blockOwnerDeletion: false };
    await Promise.all(
      objects.map((object) =>
        this.objects.patch(
          { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: pod.metadata!.namespace!, ownerReferences: [owner] } },
          undefined,
          undefined,
          undefined,
          undefined,
          PatchStrategy.MergePatch,
        ),
      ),
    );
  }
}

function toJobPod(request: JobPodRequest, pod: V1Pod, services: ServicesStarted, warnings: string[]): JobPod {
  return { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, mainContainer: request.main.name, services: services.endpoints, warnings };
}
