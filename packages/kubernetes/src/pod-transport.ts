/** A pod, by name. */
export interface PodRef {
  name: string;
  namespace: string;
}

export interface ExecIo {
  /**
   * Sent on the process's stdin; stdin is then closed where the protocol can (v5), otherwise left
   * open, so the process must know from the data itself when it has read enough.
   */
  stdin?: Buffer | AsyncIterable<Buffer>;
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  /** Closes the connection; the process in the pod is not killed by this. */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** From the exec status channel; undefined when the connection ended without a status. */
  exitCode: number | undefined;
  /** Why the connection ended without a status (dropped, heartbeat lost, aborted). */
  lostReason?: string;
}

/** How a container of a job pod stands, for telling a lost connection from a lost container. */
export type ContainerState =
  | { state: 'running' }
  | { state: 'terminated'; reason: string; exitCode: number }
  | { state: 'waiting'; reason: string }
  | { state: 'pod-gone' };

/**
 * What a step strategy needs from a pod: run a process and look at a container. Narrow on
 * purpose, so strategies are tested with an in-memory fake and the real one once on a cluster.
 */
export interface PodTransport {
  /**
   * Runs argv in the container (no shell, no TTY) and resolves when the connection ends. Never
   * rejects for the process's own failure: a non-zero exit is a result. Rejects when the
   * connection cannot be opened (pod or container missing, API unreachable).
   */
  exec(pod: PodRef, container: string, argv: string[], io: ExecIo): Promise<ExecResult>;
  containerState(pod: PodRef, container: string): Promise<ContainerState>;
}
