/**
 * Loading a local action's `action.yml`/`action.yaml`: GitHub's action parser validates,
 * values come from the decoded YAML (as for workflows, see yaml-source.ts).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';

import type { Node } from 'yaml';

import { InputError, type Diagnostic } from './errors.js';
import { fromGitHubErrors, sortDiagnostics } from './github-diagnostics.js';
import { NoOperationTraceWriter, parseAction } from './github-parser.js';
import type { LoadOptions } from './load-workflow.js';
import { compact, readSteps } from './read-steps.js';
import { readInputFile, repoRelative } from './repo-path.js';
import type { Action, ActionInput, ActionOutput, CompositeRuns, DockerRuns, NodeRuns, SourceLocation } from './types.js';
import { YamlSource } from './yaml-source.js';

export const ACTION_FILE_NAMES = ['action.yml', 'action.yaml'] as const;

export interface LoadActionOptions extends LoadOptions {
  /** The step's `uses:` location, so "no action here" points at the line to fix. */
  usedAt?: SourceLocation;
}

/**
 * The editor schema in GitHub's parser requires `name` and `description` (the marketplace does),
 * but the runner runs actions without them (several of act's test actions have neither).
 */
const IGNORED_SCHEMA_MESSAGES = [/^Required property is missing: (name|description)$/];

const NODE_VERSIONS = ['node12', 'node16', 'node20', 'node24'];

export async function loadAction(actionDir: string, options: LoadActionOptions): Promise<Action> {
  const file = await findActionFile(actionDir, options);
  const rel = repoRelative(options.repoRoot, file);
  const content = await readInputFile(file, rel, options.usedAt);

  const src = new YamlSource(rel, content);
  if (src.doc.errors.length > 0) throw new InputError(src.syntaxErrors());
  // Before GitHub's parser, which expands every alias without a limit.
  const undecodable = src.decodeProblem();
  if (undecodable) throw new InputError([undecodable]);
  const parsed = parseAction({ name: rel, content }, new NoOperationTraceWriter());
  const diagnostics = fromGitHubErrors(rel, parsed.context.errors.getErrors()).filter(
    (d) => !IGNORED_SCHEMA_MESSAGES.some((re) => re.test(d.message)),
  );

  const root = src.root;
  const runs = readRuns(src, src.get(root, 'runs'), diagnostics);
  if (!runs && diagnostics.length === 0) {
    diagnostics.push({ message: `runs.using must be composite, docker or one of ${NODE_VERSIONS.join(', ')}`, location: src.location(src.get(root, 'runs')) });
  }
  if (diagnostics.length > 0 || !runs) throw new InputError(sortDiagnostics(diagnostics));

  return compact({
    file: rel,
    name: src.string(src.get(root, 'name')) ?? rel,
    description: src.string(src.get(root, 'description')),
    inputs: Object.fromEntries(src.entries(src.get(root, 'inputs')).map((e) => [e.key, readInput(src, e.value)])),
    outputs: Object.fromEntries(src.entries(src.get(root, 'outputs')).map((e) => [e.key, readOutput(src, e.value)])),
    runs,
  });
}

async function findActionFile(actionDir: string, options: LoadActionOptions): Promise<string> {
  for (const name of ACTION_FILE_NAMES) {
    const candidate = path.join(actionDir, name);
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  const dir = repoRelative(options.repoRoot, actionDir);
  throw InputError.at(`no action found in '${dir}': looked for ${ACTION_FILE_NAMES.join(' and ')}`, options.usedAt);
}

function readInput(src: YamlSource, node: Node | null): ActionInput {
  const field = (key: string) => src.get(node, key);
  return compact({
    description: src.string(field('description')),
    // The runner treats `required` loosely (`'true'` too); it only ever produces a warning.
    required: src.string(field('required')) === 'true',
    default: src.string(field('default')),
    deprecationMessage: src.string(field('deprecationMessage')),
  });
}

function readOutput(src: YamlSource, node: Node | null): ActionOutput {
  return compact({ description: src.string(src.get(node, 'description')), value: src.string(src.get(node, 'value')) });
}

function readRuns(src: YamlSource, node: Node | null, diagnostics: Diagnostic[]): Action['runs'] | undefined {
  const field = (key: string) => src.get(node, key);
  const text = (key: string) => src.string(field(key));
  const using = text('using');
  if (using === 'composite') {
    const runs: CompositeRuns = { using, steps: readSteps(src, field('steps'), diagnostics) };
    return runs;
  }
  if (using === 'docker') {
    const runs: DockerRuns = compact({
      using,
      image: text('image') ?? '',
      entrypoint: text('entrypoint'),
      preEntrypoint: text('pre-entrypoint'),
      postEntrypoint: text('post-entrypoint'),
      preIf: text('pre-if'),
      postIf: text('post-if'),
      args: src.items(field('args')).map((arg) => src.string(arg) ?? ''),
      env: src.record(field('env')),
    });
    return runs;
  }
  if (using && NODE_VERSIONS.includes(using)) {
    const runs: NodeRuns = compact({
      using: using as NodeRuns['using'],
      main: text('main') ?? '',
      pre: text('pre'),
      preIf: text('pre-if'),
      post: text('post'),
      postIf: text('post-if'),
    });
    return runs;
  }
  // Any other `using` is rejected by GitHub's schema, which has reported it already.
  return undefined;
}
