/** A cluster the suite can run cases on. */
export interface Cluster {
  /** Path of a kubeconfig file for it. */
  kubeconfig: string;
  context?: string;
  namespace?: string;
  /** One line for the report: which cluster, which server. */
  description: string;
  /** Releases what the provider started (no-op for clusters it found). */
  stop(): Promise<void>;
}

/** Either the cluster is there to use, or a one-line reason why not (tests print it and skip). */
export type Availability = { available: true } | { available: false; reason: string };

/** Finds or starts a cluster: an existing kubeconfig, the kube-local cluster, a k3s container. */
export interface ClusterProvider {
  readonly name: string;
  /** Cheap check, without starting anything. */
  check(): Promise<Availability>;
  /** The cluster, started if this provider starts clusters; throws with the reason otherwise. */
  start(): Promise<Cluster>;
}
