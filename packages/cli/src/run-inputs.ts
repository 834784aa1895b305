import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Contexts, Value } from '@kact/expressions';
import { InputError, loadWorkflows, type Workflow } from '@kact/model';
import { githubContext, plan, readGitInfo, type ContainerSelection, type Plan } from '@kact/core';
import { parsePlatforms, PlatformContainers } from '@kact/containers-platforms';
import { parseKeyValues, parseMatrixFilter, readKeyValueFile } from './key-values.js';

/** The flags every command that plans shares (act-compatible names). */
export interface CommonFlags {
  directory: string;
  workflows: string;
  event?: string;
  eventpath?: string;
  job?: string;
  secret: string[];
  secretFile: string;
  var: string[];
  varFile: string;
  env: string[];
  envFile: string;
  input: string[];
  platform: string[];
  matrix: string[];
  /** `run --act-compat`: act's defaults where workflows can see them. */
  actCompat?: boolean;
}

export interface RunInputs {
  repoRoot: string;
  workflowsPath: string;
  workflows: Workflow[];
  event: string;
  /** True when --event or -e chose the event; list/graph then filter by it. */
  eventChosen: boolean;
  contexts: Contexts;
  secrets: Record<string, string>;
  env: Record<string, string>;
  matrixFilter: Record<string, string[]>;
}

async function readEventPayload(path: string | undefined): Promise<Record<string, Value>> {
  if (!path) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw InputError.at(`-e ${path}: ${(err as Error).message}`);
  }
  try {
    const payload = JSON.parse(text) as Value;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('the payload must be a JSON object');
    return payload;
  } catch (err) {
    throw InputError.at(`${path}: not a valid event payload: ${(err as Error).message}`);
  }
}

/** Loads workflows and everything the planner and the contexts need from the flags. */
export async function readRunInputs(flags: CommonFlags): Promise<RunInputs> {
  const repoRoot = resolve(flags.directory);
  const workflowsPath = isAbsolute(flags.workflows) ? flags.workflows : resolve(repoRoot, flags.workflows);
  try {
    await stat(workflowsPath);
  } catch {
    throw InputError.at(`no workflows at ${workflowsPath} (-W names a workflow file or a folder of them)`);
  }
  const [workflows, git, event, secretFile, varFile, envFile] = await Promise.all([
    loadWorkflows(workflowsPath, { repoRoot }),
    readGitInfo(repoRoot),
    readEventPayload(flags.eventpath),
    readKeyValueFile(resolve(repoRoot, flags.secretFile), '--secret-file', flags.secretFile !== '.secrets'),
    readKeyValueFile(resolve(repoRoot, flags.varFile), '--var-file', flags.varFile !== '.vars'),
    readKeyValueFile(resolve(repoRoot, flags.envFile), '--env-file', flags.envFile !== '.env'),
  ]);
  // act's default event
  const eventName = flags.event ?? 'push';
  const secrets = { ...secretFile, ...parseKeyValues(flags.secret, '-s') };
  const vars = { ...varFile, ...parseKeyValues(flags.var, '--var') };
  const env = { ...envFile, ...parseKeyValues(flags.env, '--env') };
  const inputs = { ...((event.inputs as Record<string, Value> | undefined) ?? {}), ...parseKeyValues(flags.input, '--input') };
  // A dispatched workflow's payload carries its inputs, as GitHub's does.
  if (eventName === 'workflow_dispatch' && Object.keys(inputs).length > 0) event.inputs = inputs;
  return {
    repoRoot,
    workflowsPath,
    workflows,
    event: eventName,
    eventChosen: flags.event !== undefined,
    contexts: {
      // act's defaults under --act-compat: its actor name.
      github: githubContext({ git, eventName, event, ...(flags.actCompat ? { actor: 'nektos/act' } : {}) }),
      vars,
      secrets: { GITHUB_TOKEN: '', ...secrets },
      inputs,
      env,
    },
    secrets,
    env,
    matrixFilter: parseMatrixFilter(flags.matrix),
  };
}

/**
 * Plans the inputs. `run` always filters by the event (push by default, as act does); `list` and
 * `graph` show every workflow unless an event was chosen.
 */
export function planInputs(inputs: RunInputs, flags: Pick<CommonFlags, 'job'>, purpose: 'show' | 'run', containers: ContainerSelection): Plan {
  const filterByEvent = purpose === 'run' || inputs.eventChosen;
  return plan(inputs.workflows, {
    ...(filterByEvent ? { event: inputs.event } : {}),
    ...(flags.job ? { jobId: flags.job } : {}),
    matrixFilter: inputs.matrixFilter,
    contexts: inputs.contexts,
    containers,
  });
}

/** Reads and plans for `list` and `graph`, which show jobs, not what they run on: act's -P map. */
export async function readPlan(flags: CommonFlags): Promise<{ inputs: RunInputs; plan: Plan }> {
  const inputs = await readRunInputs(flags);
  return { inputs, plan: planInputs(inputs, flags, 'show', new PlatformContainers(parsePlatforms(flags.platform))) };
}
