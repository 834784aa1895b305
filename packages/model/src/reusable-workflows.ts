/**
 * Jobs that call a reusable workflow (`jobs.<id>.uses`). A local one (`./.github/workflows/x.yml`,
 * relative to the repository root) is loaded and checked against its `on.workflow_call`;
 * a remote one (`owner/repo/.github/workflows/x.yml@ref`) is only checked for its form.
 */
import path from 'node:path';

import { parseActionReference } from './action-reference.js';
import { isInputError, type Diagnostic } from './errors.js';
import type { ReadJob } from './read-jobs.js';
import type { SourceLocation, Workflow } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** kact runs a called workflow's jobs itself; one level of calls keeps that plan readable. */
export const MAX_CALL_DEPTH = 1;

export type LoadCallee = (file: string, depth: number, usedAt: SourceLocation) => Promise<Workflow>;

/** Fills `workflow` of local call jobs; returns the problems found. */
export async function checkReusableCalls(src: YamlSource, jobs: ReadJob[], repoRoot: string, depth: number, loadCallee: LoadCallee): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const { job, usesNode } of jobs) {
    if (job.kind !== 'call') continue;
    const at = src.location(usesNode, job.location);
    const ref = referenceOf(job.uses, at, diagnostics);
    if (ref?.kind === 'docker') {
      diagnostics.push({ message: `Job '${job.id}': a job's uses must name a workflow file, not a docker image`, location: at });
    }
    if (ref?.kind === 'remote' && !/^\.github\/workflows\/[^/]+\.ya?ml$/.test(ref.path)) {
      diagnostics.push({ message: `Job '${job.id}': expected format {owner}/{repo}/.github/workflows/{filename}@{ref}. Actual '${job.uses}'`, location: at });
    }
    if (ref?.kind !== 'local') continue;
    if (depth >= MAX_CALL_DEPTH) {
      diagnostics.push({
        message: `Job '${job.id}' calls '${job.uses}' from a called workflow; kact supports one level of reusable workflow calls`,
        location: at,
      });
      continue;
    }
    try {
      job.workflow = await loadCallee(path.join(repoRoot, ref.path), depth + 1, at);
    } catch (err) {
      if (!isInputError(err)) throw err;
      diagnostics.push(...err.diagnostics);
      continue;
    }
    diagnostics.push(...checkInputs(job.id, job.with, job.workflow, at));
  }
  return diagnostics;
}

function referenceOf(uses: string, at: SourceLocation, diagnostics: Diagnostic[]) {
  try {
    return parseActionReference(uses, at);
  } catch (err) {
    if (!isInputError(err)) throw err;
    diagnostics.push(...err.diagnostics);
    return undefined;
  }
}

/** As GitHub does: the callee must accept workflow_call, know every input given and get every required one. */
function checkInputs(jobId: string, given: Record<string, unknown>, callee: Workflow, at: SourceLocation): Diagnostic[] {
  if (!('workflow_call' in callee.on)) {
    return [{ message: `Job '${jobId}' calls '${callee.file}', which is not triggered by workflow_call`, location: at }];
  }
  const call = callee.on['workflow_call'];
  const inputs = isRecord(call) && isRecord(call['inputs']) ? call['inputs'] : {};
  const diagnostics: Diagnostic[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in inputs)) diagnostics.push({ message: `Job '${jobId}': input '${name}' is not defined in '${callee.file}'`, location: at });
  }
  for (const [name, spec] of Object.entries(inputs)) {
    const required = isRecord(spec) && spec['required'] === true && spec['default'] === undefined;
    if (required && !(name in given)) {
      diagnostics.push({ message: `Job '${jobId}': input '${name}' is required by '${callee.file}' but not provided`, location: at });
    }
  }
  return diagnostics;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
