/**
 * Loading workflow files: GitHub's parser validates (schema, expressions, events, needs) and
 * reports positions; the values kact keeps are read from the decoded YAML (yaml-source.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { isInputError, InputError, type Diagnostic } from './errors.js';
import { fromGitHubErrors, sortDiagnostics } from './github-diagnostics.js';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from './github-parser.js';
import { checkNeeds, GITHUB_NEEDS_MESSAGES } from './needs-graph.js';
import { readDefaults, readJobs } from './read-jobs.js';
import { compact, optionalRaw } from './read-steps.js';
import { readInputFile, repoRelative } from './repo-path.js';
import { checkReusableCalls } from './reusable-workflows.js';
import type { RawValue, SourceLocation, Workflow } from './types.js';
import { YamlSource } from './yaml-source.js';

export interface LoadOptions {
  /** Paths in the model and in diagnostics are relative to this folder. */
  repoRoot: string;
}

/** Loads one workflow file; throws an InputError listing every problem found. */
export async function loadWorkflowFile(file: string, options: LoadOptions): Promise<Workflow> {
  return loadWorkflowAt(file, options, 0);
}

/**
 * @param depth 0 for a workflow the user runs, 1 for a workflow it calls.
 * @param usedAt where a calling workflow names this file, for "not found".
 */
export async function loadWorkflowAt(file: string, options: LoadOptions, depth: number, usedAt?: SourceLocation): Promise<Workflow> {
  const rel = repoRelative(options.repoRoot, file);
  const content = await readInputFile(file, rel, usedAt);

  const src = new YamlSource(rel, content);
  if (src.doc.errors.length > 0) throw new InputError(src.syntaxErrors());
  // Before GitHub's parser, which expands every alias without a limit.
  const undecodable = src.decodeProblem();
  if (undecodable) throw new InputError([undecodable]);
  const diagnostics = await githubDiagnostics(rel, content);

  const root = src.root;
  const jobs = readJobs(src, src.get(root, 'jobs'), diagnostics);
  diagnostics.push(...checkNeeds(jobs.map((j) => j.needs)));
  const loadCallee = (callee: string, calleeDepth: number, at: SourceLocation) => loadWorkflowAt(callee, options, calleeDepth, at);
  diagnostics.push(...(await checkReusableCalls(src, jobs, options.repoRoot, depth, loadCallee)));
  const workflow: Workflow = compact({
    file: rel,
    name: src.string(src.get(root, 'name')) ?? rel,
    on: readOn(src, src.get(root, 'on')),
    env: src.record(src.get(root, 'env')),
    defaults: readDefaults(src, src.get(root, 'defaults')),
    permissions: optionalRaw(src, root, 'permissions'),
    concurrency: optionalRaw(src, root, 'concurrency'),
    jobs: jobs.map((j) => j.job),
    location: { file: rel, line: 1, column: 1 },
  });
  if (diagnostics.length > 0) throw new InputError(sortDiagnostics(diagnostics));
  return workflow;
}

/**
 * Loads a workflow file, or every `*.yml`/`*.yaml` directly in a folder (sorted by name).
 * Problems of all files are collected into one InputError.
 */
export async function loadWorkflows(pathOrDir: string, options: LoadOptions): Promise<Workflow[]> {
  const info = await stat(pathOrDir).catch(() => undefined);
  if (!info) throw InputError.at(`${repoRelative(options.repoRoot, pathOrDir)}: no such file or folder`);
  if (!info.isDirectory()) return [await loadWorkflowFile(pathOrDir, options)];

  const entries = await readdir(pathOrDir, { withFileTypes: true });
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const workflows: Workflow[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of files) {
    try {
      workflows.push(await loadWorkflowFile(path.join(pathOrDir, name), options));
    } catch (err) {
      if (!isInputError(err)) throw err;
      diagnostics.push(...err.diagnostics);
    }
  }
  if (diagnostics.length > 0) throw new InputError(diagnostics);
  return workflows;
}

/** Runs GitHub's parser and converter; needs problems are left to `checkNeeds`, which names cycles. */
async function githubDiagnostics(file: string, content: string): Promise<Diagnostic[]> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  // Conversion after schema errors only repeats them in other words, so it runs on valid files.
  if (parsed.value && parsed.context.errors.count === 0) {
    await convertWorkflowTemplate(parsed.context, parsed.value);
  }
  return fromGitHubErrors(file, parsed.context.errors.getErrors()).filter(
    (d) => !GITHUB_NEEDS_MESSAGES.some((re) => re.test(d.message)),
  );
}

/** `on: push`, `on: [push, pull_request]` and the mapping form, all as event → configuration. */
function readOn(src: YamlSource, node: ReturnType<YamlSource['get']>): Record<string, RawValue> {
  const raw = src.raw(node);
  if (typeof raw === 'string') return { [raw]: null };
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((event) => [String(event), null]));
  return src.record(node);
}
