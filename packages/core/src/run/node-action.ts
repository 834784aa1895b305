import type { NodeRuns } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { ResolvedAction } from '../actions/action-store.js';
import type { ActionInputs } from './action-inputs.js';
import type { JobEnvironment } from './job-environment.js';
import { outcomeOf } from './run-script-step.js';
import type { StepInvocation, StepOutcome } from './run-steps.js';
import { runStepProcess } from './step-process.js';
import { actionEnv } from './uses-step.js';

const stateEnv = (state: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(state ?? {}).map(([k, v]) => [`STATE_${k}`, v]));

/**
 * A node action: `node <main>` in the job's main container, with INPUT_* and the state its pre
 * step saved. A container job's runs with kact's own node (`job.nodeCommand`,
 * `POD_EXTERNALS.node`), whatever its image has, as GitHub's runner runs `/__e/node20/bin/node`.
 * A `post:` script is registered to run after the job's main steps, in reverse order, when its
 * `post-if` (default `always()`) holds then.
 */
export async function runNodeAction(
  job: JobEnvironment,
  resolved: ResolvedAction,
  runs: NodeRuns,
  inputs: ActionInputs,
  invocation: StepInvocation,
): Promise<StepOutcome> {
  const run = async (script: string, signal: AbortSignal, name = invocation.ref.name) => {
    const p = await runStepProcess(
      job,
      { ...invocation.ref, name },
      {
        kind: 'exec',
        container: job.state.pod.mainContainer,
        command: [job.nodeCommand, `${resolved.podDir}/${script}`],
        env: { ...invocation.env, ...(await job.actionRuntimeEnv), ...inputs.env, ...actionEnv(resolved), ...stateEnv(job.state.actionState.get(invocation.key)) },
        workingDirectory: POD_PATHS.workspace,
        ...(invocation.timeoutMs ? { timeoutMs: invocation.timeoutMs } : {}),
      },
      signal,
    );
    job.state.actionState.set(invocation.key, { ...job.state.actionState.get(invocation.key), ...p.state });
    return p;
  };
  if (runs.post) {
    const post = runs.post;
    job.posts.push({
      name: `Post ${invocation.ref.name}`,
      condition: runs.postIf ?? 'always()',
      run: async (signal) => {
        const p = await run(post, signal, `Post ${invocation.ref.name}`);
        const o = outcomeOf(p, { ...invocation, signal });
        return { failed: o.outcome !== 'success', ...(o.error ? { error: o.error } : {}) };
      },
    });
  }
  return outcomeOf(await run(runs.main, invocation.signal), invocation);
}
