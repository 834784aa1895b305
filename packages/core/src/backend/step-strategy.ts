import type { JobPod, JobPodRequest } from './job-backend.js';

/** One process a step runs inside the job pod. */
export interface ProcessRequest {
  /** The pod's container to run in (usually `JobPod.mainContainer`). */
  container: string;
  /** argv; an item `{0}` is replaced by the path the script was written to. */
  command: string[];
  /** For `run` steps: written into the pod (under POD_PATHS.runtime) before the process starts. */
  script?: { content: string; extension: string };
  env: Record<string, string>;
  workingDirectory: string;
  /**
   * File-command files (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_PATH,
   * GITHUB_STEP_SUMMARY): name → path in the pod. Created empty before the process starts
   * and read back after it ends; the names and paths are also in `env`.
   */
  fileCommands: Record<string, string>;
  /** Kill the process after this long; the result then has `timedOut`. */
  timeoutMs?: number;
}

/**
 * A step that runs as a container of its own in the job pod, with the image's entrypoint
 * (docker actions, `docker://` steps): added to the running pod (an ephemeral container), so
 * the image's ENTRYPOINT/CMD apply unless overridden, and it shares the pod's volumes and
 * localhost.
 */
export interface ContainerStepRequest {
  /** Unique container name within the pod, DNS-1123. */
  name: string;
  image: string;
  /** Replaces the image's ENTRYPOINT when set. */
  entrypoint?: string[];
  /** May hold secrets (`args: --token ${{ secrets.X }}`): like env, never inline in the pod spec. */
  args: string[];
  /** All of it goes through a Secret (it may hold secret values), never inline in the pod spec. */
  env: Record<string, string>;
  workingDirectory: string;
  fileCommands: Record<string, string>;
  timeoutMs?: number;
}

export interface ProcessResult {
  /** The exit code recorded in the pod (128+n for a signal). */
  exitCode: number;
  /** Contents of each requested file-command file after the process ended. */
  fileCommands: Record<string, string>;
  timedOut?: boolean;
  /** Set when the container was OOM-killed or evicted while the process ran. */
  killedBy?: 'oom' | 'eviction';
}

/** A failure of kact's machinery rather than the step: no exit record, lost pod, API errors. */
export class InfrastructureError extends Error {
  readonly kind = 'infrastructure' as const;
  override name = 'InfrastructureError';
}

/** An InfrastructureError, also one thrown by a plugin with its own copy of @kact/core. */
export function isInfrastructureError(err: unknown): err is InfrastructureError {
  return err instanceof Error && (err as { kind?: unknown }).kind === 'infrastructure';
}

/**
 * Where and how a step's process runs in the job pod. Plugins bind this token.
 */
export interface StepStrategy {
  /** Shown in reports and the benchmark table. */
  readonly name: string;
  /**
   * Runs one process and streams its combined stdout/stderr to `output` in order. Resolves with
   * the exit code recorded durably in the pod — never inferred from a stream closing; a stream
   * that ends without an exit record is recovered from the pod or rejected with
   * InfrastructureError. Aborting the signal kills the process and resolves as cancelled (exit 130).
   */
  runProcess(pod: JobPod, request: ProcessRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult>;
  /**
   * Runs a step as its own container of the pod (docker actions) and streams its log. Resolves
   * with the container's exit code and the file-command files, read back from the pod.
   */
  runContainer(pod: JobPod, request: ContainerStepRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult>;
  /**
   * Optional: what the strategy needs in the pod from the start (containers to run steps in,
   * keys in the job's Secret), added to the request before the pod is created. Without it the
   * request is used as it is.
   */
  preparePod?(request: JobPodRequest, plan: PodPlan): JobPodRequest;
}

/**
 * Wraps the step strategy kact chose (`TOKENS.StepStrategyDecorator`): the result is used in its
 * place and must keep its guarantees (durable exit codes, cancellation, no secret in the pod spec).
 */
export type StepStrategyDecorator = (inner: StepStrategy) => StepStrategy;

/** What is known of a job before its pod starts. */
export interface PodPlan {
  /** The job's steps: each runs at least one process (composite actions and post steps add more). */
  steps: number;
}
