// Its own module, exported as `@kact/kubernetes/tokens` too: a dry run composes with these keys
// without loading the Kubernetes client that the package's index brings in.

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
