import { parseActionReference, type Step } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { JobEnvironment, StepScope } from './job-environment.js';
import type { StepInvocation } from './run-steps.js';

/** Most workspace entries `--debug` lists before it stops. */
export const WORKSPACE_LISTING_LIMIT = 300;

// Fixed text, run in the step's container: sizes and paths under the workspace, GNU find where
// it exists, else ls.
const LIST_WORKSPACE = `cd "$1" 2>/dev/null || exit 0
if find . -maxdepth 0 -printf '' 2>/dev/null; then find . -mindepth 1 -not -path './.git/*' -printf '%s\\t%P\\n' | sort -k2 | head -n "$2"
else ls -laR | head -n "$2"; fi`;

function describe(step: Step, scope: StepScope, job: JobEnvironment, workingDirectory: string): string {
  if (step.kind === 'run') {
    const shell = step.shell ?? scope.defaults.run?.shell ?? (job.state.hasBash ? 'bash (default)' : 'sh (default)');
    return `run step in container ${job.state.pod.mainContainer}, shell ${shell}, working directory ${workingDirectory}`;
  }
  const ref = parseActionReference(step.uses);
  if (ref.kind === 'docker') return `docker step: image ${ref.image} in a container of its own`;
  return `${ref.kind} action ${step.uses} (container ${job.state.pod.mainContainer} unless it is a docker action)`;
}

/**
 * `--debug` / ACTIONS_STEP_DEBUG: before a step runs, show what will run, its environment
 * (secrets and masks redacted) and the workspace's files with their sizes.
 */
export async function introspectStep(job: JobEnvironment, step: Step, scope: StepScope, invocation: StepInvocation): Promise<void> {
  const say = (line: string) => job.events.stepLog?.(job.job, invocation.ref, `##[debug]${job.masker.mask(line)}`);
  const workingDirectory = step.kind === 'run' && step.workingDirectory ? step.workingDirectory : POD_PATHS.workspace;
  say(describe(step, scope, job, workingDirectory));
  const env = Object.entries(invocation.env).sort(([a], [b]) => a.localeCompare(b));
  say(`environment (${env.length} variables):`);
  for (const [key, value] of env) say(`  ${key}=${value}`);
  let listing = '';
  await job.strategy.runProcess(
    job.state.pod,
    {
      container: job.state.pod.mainContainer,
      command: ['sh', '-c', LIST_WORKSPACE, 'kact-list', POD_PATHS.workspace, String(WORKSPACE_LISTING_LIMIT + 1)],
      env: {},
      workingDirectory: '/',
      fileCommands: {},
    },
    (chunk) => (listing += chunk),
    invocation.signal,
  );
  const lines = listing.split('\n').filter(Boolean);
  say(`workspace ${POD_PATHS.workspace} (size in bytes, path)${lines.length > WORKSPACE_LISTING_LIMIT ? `, first ${WORKSPACE_LISTING_LIMIT} entries` : ''}:`);
  for (const line of lines.slice(0, WORKSPACE_LISTING_LIMIT)) say(`  ${line}`);
}
