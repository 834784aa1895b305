import 'reflect-metadata';
import { inject, injectable, optional } from 'inversify';
import { InfrastructureError, type ContainerStepRequest, type JobPod, type ProcessRequest, type ProcessResult, type StepStrategy } from '@kact/core';
import { execFileCommands, KUBE_TOKENS, newStepDir, POD_BUSYBOX, runContainerStep, type ExecResult, type PodTransport, type StepContainers } from '@kact/kubernetes';
import { encodeStep, type EncodedStep } from './step-request.js';
import { StepStream, type Trailer } from './step-trailer.js';
import { stepWrapperScript } from './step-wrapper.js';

export interface ExecStrategySettings {
  /** The busybox every container of the pod has (tests point it elsewhere). */
  busybox?: string;
  /** Reconnections to a step whose connection dropped before its exit was read. */
  maxRecoveries?: number;
  /** Pause before reconnecting, doubled each time. */
  recoveryDelayMs?: number;
  /** Where step folders go in the pod (default: under POD_PATHS.runtime). */
  stepsDir?: string;
}

export const EXEC_STRATEGY_SETTINGS = Symbol.for('kact.strategy-exec.Settings');

/** Wrapper exit codes below this are its own failures before the process started (see step-wrapper). */
const WRAPPER_FAILURES = new Set([90, 92, 93]);

/**
 * Runs each process in the long-lived container with ONE exec: the request goes in as data on
 * stdin, the log comes back on stdout, the recorded exit code and file-command files on stderr.
 * A dropped connection is recovered by a second exec that resumes the log at the byte offset
 * already received and waits in the pod for the recorded exit code.
 */
@injectable()
export class ExecStepStrategy implements StepStrategy {
  readonly name = 'exec';
  private readonly busybox: string;
  private readonly wrapper: string;
  private readonly maxRecoveries: number;
  private readonly recoveryDelayMs: number;
  private readonly stepsDir: string | undefined;

  constructor(
    @inject(KUBE_TOKENS.PodTransport) private readonly transport: PodTransport,
    @inject(EXEC_STRATEGY_SETTINGS) @optional() settings: ExecStrategySettings = {},
    @inject(KUBE_TOKENS.StepContainers) @optional() private readonly containers?: StepContainers,
  ) {
    this.busybox = settings.busybox ?? POD_BUSYBOX;
    this.wrapper = stepWrapperScript(this.busybox);
    this.maxRecoveries = settings.maxRecoveries ?? 5;
    this.recoveryDelayMs = settings.recoveryDelayMs ?? 500;
    this.stepsDir = settings.stepsDir;
  }

  async runProcess(pod: JobPod, request: ProcessRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult> {
    if (signal.aborted) return { exitCode: 130, fileCommands: emptyFiles(request) };
    const step = encodeStep(request, this.wrapper, newStepDir(this.stepsDir));
    const stream = new StepStream(step.nonce, output);
    const container = request.container;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      // The process is killed in the pod; the running exec then ends with its trailer as usual.
      this.transport.exec(pod, container, this.wrapperArgv('kill', step.dir), { onStdout: ignore, onStderr: ignore }).catch(ignore);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let argv = this.wrapperArgv('run', step.dir);
      let stdin: Buffer | undefined = step.stdin;
      for (let attempt = 0; ; attempt++) {
        stream.resetStderr();
        let result: ExecResult | undefined;
        let lost: string;
        try {
          result = await this.transport.exec(pod, container, argv, { ...(stdin ? { stdin } : {}), onStdout: stream.onStdout, onStderr: stream.onStderr });
          lost = result.lostReason ?? `exec ended with code ${result.exitCode} before the step's exit was read`;
        } catch (error) {
          lost = error instanceof Error ? error.message : String(error);
        }
        const trailer = stream.trailer();
        if (trailer) return this.finish(step, stream, trailer, cancelled, pod, container);
        if (result?.exitCode !== undefined && WRAPPER_FAILURES.has(result.exitCode)) {
          throw new InfrastructureError(`exec strategy: the step wrapper failed in ${pod.name}/${container} (code ${result.exitCode}): ${stream.diagnostics() || 'no message'}`);
        }
        const gone = await this.containerGone(pod, container);
        if (gone) return gone;
        if (attempt >= this.maxRecoveries) throw new InfrastructureError(`exec strategy: lost the step in ${pod.name}/${container} after ${attempt + 1} connections: ${lost}`);
        await new Promise((resolve) => setTimeout(resolve, this.recoveryDelayMs * 2 ** attempt));
        // A failed open means the request never reached the pod: send it again. Otherwise resume.
        if (result || stream.received > 0) {
          argv = this.wrapperArgv('follow', step.dir, String(stream.received));
          stdin = undefined;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * An ephemeral container of the job pod (packages/kubernetes ephemeral-step.ts); the
   * file-command files are created and read back with one exec each into the main container.
   */
  async runContainer(pod: JobPod, request: ContainerStepRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult> {
    if (!this.containers) throw new InfrastructureError(`exec strategy: no step containers bound (KUBE_TOKENS.StepContainers); cannot run ${request.image}`);
    return runContainerStep(this.containers, execFileCommands(this.transport), pod, request, output, signal);
  }

  private wrapperArgv(mode: string, dir: string, ...rest: string[]): string[] {
    return [this.busybox, 'sh', '-c', this.wrapper, 'kact-step', mode, dir, ...rest];
  }

  private finish(step: EncodedStep, stream: StepStream, trailer: Trailer, cancelled: boolean, pod: JobPod, container: string): ProcessResult {
    stream.end();
    if (trailer.kind === 'noexit') {
      throw new InfrastructureError(`exec strategy: the step in ${pod.name}/${container} ended without recording an exit code${stream.diagnostics() ? `: ${stream.diagnostics()}` : ''}`);
    }
    const fileCommands = Object.fromEntries(step.fileNames.map((name, i) => [name, trailer.files[i] ?? '']));
    return {
      exitCode: cancelled ? 130 : trailer.exitCode,
      fileCommands,
      ...(trailer.timedOut ? { timedOut: true } : {}),
      ...(trailer.oomKills > 0 ? { killedBy: 'oom' as const } : {}),
    };
  }

  /** After a lost connection: a result or error if the container (or pod) is gone, undefined if it can be reconnected. */
  private async containerGone(pod: JobPod, container: string): Promise<ProcessResult | undefined> {
    const state = await this.transport.containerState(pod, container).catch(() => undefined);
    if (state?.state === 'pod-gone') throw new InfrastructureError(`exec strategy: pod ${pod.name} is gone; the step's exit code is lost`);
    if (state?.state === 'terminated') {
      if (state.reason === 'OOMKilled') return { exitCode: 137, fileCommands: {}, killedBy: 'oom' };
      throw new InfrastructureError(`exec strategy: container ${container} of pod ${pod.name} terminated (${state.reason}, code ${state.exitCode})`);
    }
    return undefined;
  }
}

function emptyFiles(request: ProcessRequest): Record<string, string> {
  return Object.fromEntries(Object.keys(request.fileCommands).map((name) => [name, '']));
}

function ignore(): void {}
