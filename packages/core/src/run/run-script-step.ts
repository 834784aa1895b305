import { interpolate } from '@kact/expressions';
import type { RunStep } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { JobEnvironment, StepScope } from './job-environment.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';
import { refuseNulBytes } from './nul-bytes.js';
import { shellCommand } from './shells.js';
import { runStepProcess, type ProcessOutcome } from './step-process.js';

/** A path as the runner resolves working-directory: relative ones under the workspace. */
export function inWorkspace(path: string | undefined): string {
  if (!path) return POD_PATHS.workspace;
  return path.startsWith('/') ? path : `${POD_PATHS.workspace}/${path.replace(/^\.\/?/, '')}`.replace(/\/$/, '');
}

/** Turns a finished process into the step's outcome, naming why it failed. */
export function outcomeOf(p: ProcessOutcome, invocation: StepInvocation): StepOutcome {
  const base = { outputs: p.outputs, annotations: p.annotations };
  if (invocation.signal.aborted) return { ...base, outcome: 'cancelled', error: 'the step was cancelled' };
  if (p.timedOut) return { ...base, outcome: 'failure', error: `the step timed out after ${(invocation.timeoutMs ?? 0) / 60_000} minutes` };
  if (p.killedBy === 'oom') return { ...base, outcome: 'failure', error: 'the step was killed: its container ran out of memory (OOMKilled)' };
  if (p.killedBy === 'eviction') return { ...base, outcome: 'failure', error: 'the step was killed: the pod was evicted' };
  if (p.error) return { ...base, outcome: 'failure', error: p.error };
  if (p.exitCode !== 0) return { ...base, outcome: 'failure', error: `Process completed with exit code ${p.exitCode}.` };
  return { ...base, outcome: 'success' };
}

/** A `run:` step: the script written to a file and run by its shell, as the runner does. */
export async function runScriptStep(job: JobEnvironment, step: RunStep, scope: StepScope, invocation: StepInvocation): Promise<StepOutcome> {
  const contexts = job.state.stepContexts(invocation.env, scope);
  const script = interpolate(step.run, contexts, invocation.evaluation);
  const shellName = step.shell ?? scope.defaults.run?.shell;
  const workingDirectory = step.workingDirectory ?? scope.defaults.run?.workingDirectory;
  const shell = shellCommand(shellName && interpolate(shellName, contexts, invocation.evaluation), job.state.hasBash, step.location);
  const directory = inWorkspace(workingDirectory && interpolate(workingDirectory, contexts, invocation.evaluation));
  refuseNulBytes({ env: invocation.env, workingDirectory: directory }, step.location);
  const process = await runStepProcess(
    job,
    invocation.ref,
    {
      kind: 'exec',
      container: job.state.pod.mainContainer,
      command: shell.command,
      script: { content: script, extension: shell.extension },
      env: invocation.env,
      workingDirectory: directory,
      ...(invocation.timeoutMs ? { timeoutMs: invocation.timeoutMs } : {}),
    },
    invocation.signal,
  );
  return outcomeOf(process, invocation);
}
