import type { PodPlacement } from './pod-shapes.js';

/** One container of a job pod, as the interpreter asks for it. */
export interface ContainerRequest {
  /** Unique within the pod, DNS-1123: `runner`, `svc-redis`, `action-2`. */
  name: string;
  image: string;
  /** Static, non-secret env: delivered by the EnvProvider (the job's ConfigMap by default). */
  env: Record<string, string>;
  /** Names of the job's secrets this container gets as env (values come from the job's Secret). */
  secretEnv?: Record<string, string>;
  /** Overrides the image's entrypoint/cmd (services, docker actions started as services). */
  entrypoint?: string[];
  args?: string[];
  /** Container ports to expose (services). */
  ports?: number[];
  /**
   * True for containers steps are run in (the runner/job container, docker-action containers
   * under the exec strategy): the backend replaces the command with a sleeper that keeps the
   * container alive until the job ends, whatever the image.
   */
  keepAlive: boolean;
  /**
   * `docker run` options kact honours (`--user`, `--workdir`, `--env`, `--memory`, `--cpus`, …); others
   * are reported. Holds no secret: the interpreter moves those into `secretEnv` (optionsWithoutSecrets).
   */
  options?: string;
  /**
   * A container steps run in beside the main one (the sidecar strategy's step slots): it gets the
   * main container's limits (cpu, memory, ephemeral-storage: the runner class's, then `--memory`
   * / `--cpus` of `container.options`) and requests none of its own, since a job runs one step at
   * a time and the main container's requests stand for it. A step must not escape the limits the
   * workflow set by running elsewhere than the job container.
   */
  sharesJobLimits?: boolean;
  /**
   * The job may start before this container runs: a strategy's helper whose users wait for it
   * themselves (the sidecar strategy's agent and step slots). A pod's containers start one after
   * another and the kubelet reports them only at its next relist (once a second), so waiting for
   * every helper can cost a job a whole second. One that fails to start still fails the job.
   */
  startsInBackground?: boolean;
}

export interface ServiceRequest {
  /** The service id from the workflow (`redis`), resolvable as a host name from every container. */
  id: string;
  container: ContainerRequest;
  /** `ports:` as written: the port steps use (`8080` of `8080:80`) and the container's (`80`). */
  ports: Array<{ published: number; container: number }>;
}

export interface RegistryCredentials {
  server: string;
  username: string;
  password: string;
}

export interface JobPodRequest {
  /** Identifies one `kact run`; every resource carries it as the `kact.dev/run-id` label. */
  runId: string;
  /** DNS-1123 base name for the pod and the objects named after it. */
  name: string;
  /** Extra labels (job id, workflow, leg) for people and `kact gc`. */
  labels: Record<string, string>;
  /** The container `run` steps and node actions run in: the runner image or the job's `container:`. */
  main: ContainerRequest;
  services: ServiceRequest[];
  /** Further containers the strategy needs from the start (exec: one per docker action step). */
  extra: ContainerRequest[];
  /**
   * kact's externals (a node that runs in any image) read-only at `POD_EXTERNALS.root` in the
   * main container and the strategy's containers, as GitHub's runner mounts its own at `/__e`.
   * Set for a `container:` job whose steps may run a JavaScript action (`mayRunJavaScript`);
   * its node actions' main, pre and post scripts then run with `POD_EXTERNALS.node`.
   */
  externals?: boolean;
  /**
   * Values for the job's Secret (what the SecretProvider keeps there, plus keys a strategy adds);
   * never placed in the pod spec or a ConfigMap.
   */
  secrets: Record<string, string>;
  imagePullCredentials?: RegistryCredentials[];
  /** Node placement, resources and service account from the ContainerSelection. */
  placement?: PodPlacement;
  /**
   * How long the job may run (its `timeout-minutes`, GitHub's 360 by default). kact's own timer
   * ends the job then; the backend gives the pod (and every pod it makes for the job) a deadline
   * a margin past it, so the cluster ends the job should kact die without deleting it.
   */
  timeoutMs?: number;
}

export interface ServiceEndpoint {
  /** The container (in the job pod) or pod (outside it) the service runs in. */
  container: string;
  /** Where steps reach it (`<ID>_HOST`): `localhost` inside the job pod, else a name or address. */
  host: string;
  /** Container port → host port, as `job.services.<id>.ports` shows them. */
  ports: Record<string, string>;
}

/** A running job pod. */
export interface JobPod {
  name: string;
  namespace: string;
  mainContainer: string;
  services: Record<string, ServiceEndpoint>;
  /** Container options the backend could not honour (`--network`, `--health-cmd`, …), for the job log. */
  warnings?: string[];
}

/**
 * Creates and removes job pods. Implementations live outside core (packages/kubernetes).
 */
export interface JobBackend {
  /**
   * Starts the job's services, creates the objects the pod reads (env, the job's Secret) and the
   * pod, and resolves once every container runs. Rejects fast with the reason from the pod's
   * events (image missing, unschedulable, crash) and removes what it created before rejecting.
   */
  startJob(request: JobPodRequest, signal: AbortSignal): Promise<JobPod>;
  /** Copies a local directory into a path on the pod's shared volumes (checkout, local actions). */
  copyIn(pod: JobPod, localDir: string, podPath: string, options?: { exclude?: (relativePath: string) => boolean }): Promise<void>;
  /** Deletes the pod, its objects and its services; idempotent, safe after a failed start. */
  stopJob(pod: Pick<JobPod, 'name' | 'namespace'>): Promise<void>;
}
