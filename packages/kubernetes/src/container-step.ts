import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { InfrastructureError, type ContainerStepRequest, type JobPod, type ProcessResult } from '@kact/core';
import type { StepContainers } from './ephemeral-step.js';
import { parseFileRecords, PRINT_FILES_FUNCTION } from './file-records.js';
import { POD_BUSYBOX } from './pod-builder.js';
import type { PodRef, PodTransport } from './pod-transport.js';
import { refuseNulBytes } from './step-files.js';

/** How a strategy gets at the file-command files of a container step (they live on the pod's volumes). */
export interface FileCommandFiles {
  /** Creates the files empty, with their folders, before the step starts. */
  prepare(pod: JobPod, paths: string[]): Promise<void>;
  /** Their contents after the step, in the order given. */
  collect(pod: JobPod, paths: string[]): Promise<string[]>;
}

/** Env variables that carry a container step's arguments (see argsThroughEnv). */
export const ARG_ENV_PREFIX = 'KACT_ARG_';

/**
 * A container step's arguments as references to env variables: `args: --token ${{ secrets.X }}`
 * must not put the secret in the pod spec, so each argument goes through the step's Secret with
 * its env (`KACT_ARG_<n>`) and the spec names `$(KACT_ARG_<n>)`, which the kubelet replaces with
 * the value, verbatim (a `$` or `$(…)` in the value stays as it is, unlike in an inline argument).
 */
export function argsThroughEnv(args: string[], env: Record<string, string>): { args: string[]; env: Record<string, string> } {
  const withArgs = { ...env };
  const refs = args.map((arg, i) => {
    withArgs[`${ARG_ENV_PREFIX}${i}`] = arg;
    return `$(${ARG_ENV_PREFIX}${i})`;
  });
  return { args: refs, env: withArgs };
}

/**
 * A command word the kubelet passes on as written. It expands `$(NAME)` in a container's
 * command with the container's env (secrets included) and reads `$$` as `$`; doubling every `$`
 * leaves no reference to open, and each pair comes back as the one `$` it stood for.
 */
export function literalForKubelet(word: string): string {
  return word.replaceAll('$', () => '$$');
}

/**
 * Runs a docker action / `docker://` step as an ephemeral container of the job pod: the image's
 * own ENTRYPOINT unless the request overrides it, env and arguments through a per-step Secret,
 * the pod's volumes. The strategy supplies how the file-command files are prepared and read back.
 */
export async function runContainerStep(
  containers: StepContainers,
  files: FileCommandFiles,
  pod: JobPod,
  request: ContainerStepRequest,
  output: (chunk: string) => void,
  signal: AbortSignal,
): Promise<ProcessResult> {
  // Before anything is created: the runtime would refuse to start the container, and say only "exit 128".
  refuseNulBytes(request.env, [...(request.entrypoint ?? []), ...request.args], request.workingDirectory);
  const names = Object.keys(request.fileCommands);
  const paths = names.map((name) => request.fileCommands[name]!);
  if (paths.length) await files.prepare(pod, paths);
  const decoder = new StringDecoder('utf8');
  const delivered = argsThroughEnv(request.args, request.env);
  const result = await containers.run(
    pod,
    {
      name: request.name,
      image: request.image,
      ...(request.entrypoint?.length ? { command: request.entrypoint.map(literalForKubelet) } : {}),
      args: delivered.args,
      env: delivered.env,
      workingDir: request.workingDirectory,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    },
    {
      signal,
      onLog: (chunk) => {
        const text = decoder.write(chunk);
        if (text) output(text);
      },
    },
  );
  const rest = decoder.end();
  if (rest) output(rest);
  const contents = paths.length ? await files.collect(pod, paths) : [];
  return {
    exitCode: result.cancelled ? 130 : result.exitCode,
    fileCommands: Object.fromEntries(names.map((name, i) => [name, contents[i] ?? ''])),
    ...(result.timedOut ? { timedOut: true } : {}),
    ...(result.oomKilled ? { killedBy: 'oom' as const } : {}),
  };
}

const PREPARE_SCRIPT = `bb='${POD_BUSYBOX}'
for f; do
  $bb mkdir -p "\${f%/*}" && true > "$f" || exit 1
  $bb chmod 0666 "$f" 2>/dev/null
done`;

const COLLECT_SCRIPT = `bb='${POD_BUSYBOX}'
${PRINT_FILES_FUNCTION}
print_files "$@"`;

/**
 * File-command files, created before a container step and read back after it, by whatever
 * runs a command in the pod and returns its output (`run`): two busybox commands, one before,
 * one after. World-writable, since the step's image may run as any user.
 */
export function fileCommandsVia(run: (pod: JobPod, argv: string[]) => Promise<string>): FileCommandFiles {
  return {
    async prepare(pod, paths) {
      await run(pod, [POD_BUSYBOX, 'sh', '-c', PREPARE_SCRIPT, 'kact-files', ...paths]);
    },
    async collect(pod, paths) {
      const marker = `kact-${randomBytes(12).toString('hex')}`;
      const files = parseFileRecords(await run(pod, [POD_BUSYBOX, 'sh', '-c', COLLECT_SCRIPT, 'kact-files', marker, ...paths]), marker);
      if (!files) throw new InfrastructureError(`file commands in ${pod.name}: the files could not be read back`);
      return files;
    },
  };
}

/** File-command files through `pods/exec` into a container of the pod (the exec strategy). */
export function execFileCommands(transport: PodTransport, container?: string): FileCommandFiles {
  return fileCommandsVia(async (pod, argv) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const ref: PodRef = { name: pod.name, namespace: pod.namespace };
    const result = await transport.exec(ref, container ?? pod.mainContainer, argv, { onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) });
    if (result.exitCode !== 0) {
      throw new InfrastructureError(`file commands in ${pod.name}: ${Buffer.concat(err).toString('utf8').trim() || result.lostReason || `exit code ${result.exitCode}`}`);
    }
    return Buffer.concat(out).toString('utf8');
  });
}
