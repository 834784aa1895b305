import { interpolate, type Contexts } from '@kact/expressions';
import type { DockerRuns, UsesStep } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { ResolvedAction } from '../actions/action-store.js';
import type { ActionInputs } from './action-inputs.js';
import { inputEnvName } from './action-inputs.js';
import type { JobEnvironment } from './job-environment.js';
import { runsPreStage } from './local-action-pre.js';
import { refuseNulBytes } from './nul-bytes.js';
import { outcomeOf } from './run-script-step.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';
import { runStepProcess } from './step-process.js';
import { evaluateStrings } from './step-values.js';
import { actionEnv } from './uses-step.js';

/** Splits an `args` string as the runner does: on whitespace, double quotes grouping. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** A container name for the step, unique in the pod. */
const containerName = (invocation: StepInvocation) => `step-${invocation.ref.index}-${Date.now().toString(36)}`.slice(0, 63);

async function runImage(job: JobEnvironment, invocation: StepInvocation, image: string, entrypoint: string | undefined, args: string[], env: Record<string, string>) {
  const p = await runStepProcess(
    job,
    invocation.ref,
    {
      kind: 'container',
      name: containerName(invocation),
      image,
      ...(entrypoint ? { entrypoint: [entrypoint] } : {}),
      args,
      // The runner gives container actions its services (artifacts, cache) over the step's env.
      env: { ...env, ...(await job.actionRuntimeEnv) },
      workingDirectory: POD_PATHS.workspace,
      ...(invocation.timeoutMs ? { timeoutMs: invocation.timeoutMs } : {}),
    },
    invocation.signal,
  );
  return outcomeOf(p, invocation);
}

/** `uses: docker://image` with optional `with: { entrypoint, args }`. */
export function runDockerImage(job: JobEnvironment, step: UsesStep, image: string, contexts: Contexts, invocation: StepInvocation): Promise<StepOutcome> {
  const given = evaluateStrings(step.with, contexts, invocation.evaluation);
  refuseNulBytes({ inputs: given }, step.location);
  const env = { ...invocation.env, ...Object.fromEntries(Object.entries(given).map(([k, v]) => [inputEnvName(k), v])) };
  return runImage(job, invocation, image, given.entrypoint || undefined, splitArgs(given.args ?? ''), env);
}

/**
 * A docker action: its image runs as a container of the job pod with INPUT_* env and the
 * action's entrypoint/args (templates over `inputs`). Dockerfile actions need an image builder,
 * which a cluster without a registry does not have: they fail with that reason.
 */
export async function runDockerAction(
  job: JobEnvironment,
  resolved: ResolvedAction,
  runs: DockerRuns,
  inputs: ActionInputs,
  contexts: Contexts,
  invocation: StepInvocation,
): Promise<StepOutcome> {
  if (!runs.image.startsWith('docker://')) {
    return {
      outcome: 'failure',
      outputs: {},
      annotations: [],
      error: `${resolved.uses} builds its image from ${runs.image}: kact needs an image builder for that, and none is configured; use an action with image: docker://… or pre-build the image and load it into the cluster`,
    };
  }
  const actionContexts = { ...contexts, inputs: inputs.values };
  const args = runs.args.map((a) => interpolate(a, actionContexts, invocation.evaluation));
  const env = { ...invocation.env, ...inputs.env, ...actionEnv(resolved), ...evaluateStrings(runs.env, actionContexts, invocation.evaluation) };
  const image = runs.image.slice('docker://'.length);
  if (runs.postEntrypoint) {
    const postEntrypoint = runs.postEntrypoint;
    job.posts.push({
      name: `Post ${invocation.ref.name}`,
      condition: runs.postIf ?? 'always()',
      run: async (signal) => {
        const o = await runImage(job, { ...invocation, signal, ref: { ...invocation.ref, name: `Post ${invocation.ref.name}`, stage: 'post' } }, image, postEntrypoint, [], env);
        return { failed: o.outcome !== 'success', ...(o.error ? { error: o.error } : {}) };
      },
    });
  }
  // The runner runs pre-entrypoint while setting up the job; here it runs right before the main
  // entrypoint, in the same kind of container, which is what an action can observe. Not for a
  // local action: the runner skips it (and its main step warned, local-action-pre.ts).
  if (runs.preEntrypoint && runsPreStage(resolved.reference)) {
    const pre = await runImage(job, invocation, image, runs.preEntrypoint, [], env);
    if (pre.outcome !== 'success') return { ...pre, error: `pre-entrypoint: ${pre.error ?? 'failed'}` };
  }
  return runImage(job, invocation, image, runs.entrypoint, args, env);
}
