import { randomUUID } from 'node:crypto';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { ContainerStepRequest, ProcessRequest, ProcessResult } from '../backend/step-strategy.js';
import { parsePathFile, readEnvFile } from '../output/file-commands.js';
import type { JobEnvironment } from './job-environment.js';
import type { Annotation } from './results.js';
import type { StepRef } from './run-events.js';
import { createStepOutput } from './step-output.js';

const FILE_COMMANDS = {
  GITHUB_ENV: 'set_env',
  GITHUB_OUTPUT: 'set_output',
  GITHUB_STATE: 'save_state',
  GITHUB_PATH: 'add_path',
  GITHUB_STEP_SUMMARY: 'step_summary',
} as const;

/** What a step's process left behind: its exit, and what its commands set. */
export interface ProcessOutcome {
  exitCode: number;
  timedOut: boolean;
  killedBy?: 'oom' | 'eviction';
  outputs: Record<string, string>;
  /** GITHUB_STATE / save-state values for the action's later stages. */
  state: Record<string, string>;
  annotations: Annotation[];
  /** A problem with the step's file commands (a heredoc without its delimiter, …). */
  error?: string;
}

export type ProcessSpec =
  | ({ kind: 'exec' } & Omit<ProcessRequest, 'fileCommands'>)
  | ({ kind: 'container' } & Omit<ContainerStepRequest, 'fileCommands'>);

/**
 * Runs one process of a step through the strategy: adds the file-command files to its env,
 * streams its output through workflow-command processing and masking to the reporters, then
 * applies GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY to the job and returns outputs and state.
 */
export async function runStepProcess(job: JobEnvironment, step: StepRef, spec: ProcessSpec, signal: AbortSignal): Promise<ProcessOutcome> {
  const id = randomUUID();
  const dir = `${POD_PATHS.temp}/_runner_file_commands`;
  const fileCommands = Object.fromEntries(Object.entries(FILE_COMMANDS).map(([name, file]) => [name, `${dir}/${file}_${id}`]));
  const path = job.state.path();
  const env = { ...spec.env, ...fileCommands, ...(path ? { PATH: path } : {}) };
  const output = createStepOutput(job, step, spec.env.ACTIONS_ALLOW_UNSECURE_COMMANDS?.toLowerCase() === 'true');
  let result: ProcessResult;
  try {
    if (spec.kind === 'exec') {
      const { kind: _, ...request } = spec;
      result = await job.strategy.runProcess(job.state.pod, { ...request, env, fileCommands }, (c) => output.write(c), signal);
    } else {
      const { kind: _, ...request } = spec;
      result = await job.strategy.runContainer(job.state.pod, { ...request, env, fileCommands }, (c) => output.write(c), signal);
    }
  } catch (err) {
    output.end();
    throw err;
  }
  const effects = output.end();
  const outcome: ProcessOutcome = {
    exitCode: result.exitCode,
    timedOut: result.timedOut === true,
    ...(result.killedBy ? { killedBy: result.killedBy } : {}),
    outputs: effects.outputs,
    state: effects.state,
    annotations: effects.annotations,
  };
  if (effects.failed) outcome.error = 'a workflow command in the output could not be processed (see the annotations)';
  const files = result.fileCommands;
  const read = (name: keyof typeof FILE_COMMANDS, into: Record<string, string>) => {
    const parsed = readEnvFile(files[name] ?? '', name);
    // Own properties, as readEnvFile made them: assignment would drop a name such as `__proto__`.
    for (const [key, value] of Object.entries(parsed.values)) Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
    if (parsed.error) outcome.error ??= `${parsed.error}`;
  };
  Object.assign(job.state.env, effects.env);
  read('GITHUB_ENV', job.state.env);
  read('GITHUB_OUTPUT', outcome.outputs);
  read('GITHUB_STATE', outcome.state);
  const added = [...effects.path, ...parsePathFile(files.GITHUB_PATH ?? '')];
  job.state.pathAdditions.unshift(...added.reverse());
  const summary = files.GITHUB_STEP_SUMMARY ?? '';
  if (summary.trim()) job.state.summaries.push(job.masker.mask(summary));
  return outcome;
}
