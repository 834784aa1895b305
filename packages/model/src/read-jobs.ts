/** Jobs of a workflow, read from the decoded YAML after GitHub's parser has validated it. */
import { isSeq, type Node } from 'yaml';

import type { Diagnostic } from './errors.js';
import type { NeedsEntry } from './needs-graph.js';
import { compact, optionalRaw, readSteps } from './read-steps.js';
import type { CallJob, ContainerSpec, Defaults, Job, RawValue, StepsJob, Strategy } from './types.js';
import type { YamlSource } from './yaml-source.js';

export interface ReadJob {
  job: Job;
  needs: NeedsEntry;
  /** The `uses:` value node of a call job, for locating problems with the called workflow. */
  usesNode?: Node | null;
}

export function readJobs(src: YamlSource, jobsNode: Node | null, diagnostics: Diagnostic[]): ReadJob[] {
  return src.entries(jobsNode).map(({ key, keyNode, value }) => readJob(src, key, keyNode, value, diagnostics));
}

function readJob(src: YamlSource, id: string, keyNode: Node | null, node: Node | null, diagnostics: Diagnostic[]): ReadJob {
  const location = src.location(keyNode);
  const field = (key: string) => src.get(node, key);
  const needsNode = field('needs');
  const needItems = isSeq(needsNode) ? src.items(needsNode) : needsNode ? [needsNode] : [];
  const needs = needItems.map((n) => ({ name: src.string(n) ?? '', location: src.location(n, location) }));

  const base = compact({
    id,
    name: src.string(field('name')),
    needs: needs.map((n) => n.name),
    if: src.string(field('if')),
    strategy: readStrategy(src, field('strategy')),
    env: src.record(field('env')),
    outputs: src.stringRecord(field('outputs')),
    timeoutMinutes: optionalRaw(src, node, 'timeout-minutes'),
    continueOnError: optionalRaw(src, node, 'continue-on-error'),
    permissions: optionalRaw(src, node, 'permissions'),
    concurrency: optionalRaw(src, node, 'concurrency'),
    environment: optionalRaw(src, node, 'environment'),
    location,
  });

  let job: Job;
  if (src.has(node, 'uses')) {
    const secretsNode = field('secrets');
    const secrets = src.string(secretsNode) === 'inherit' ? 'inherit' : src.record(secretsNode);
    const callJob: CallJob = { ...base, kind: 'call', uses: src.string(field('uses')) ?? '', with: src.record(field('with')), secrets };
    job = callJob;
  } else {
    const stepsJob: StepsJob = compact({
      ...base,
      kind: 'steps' as const,
      runsOn: src.raw(field('runs-on')),
      container: readContainerOrImage(src, field('container')),
      services: Object.fromEntries(src.entries(field('services')).map((e) => [e.key, readContainer(src, e.value)])),
      defaults: readDefaults(src, field('defaults')),
      steps: readSteps(src, field('steps'), diagnostics),
    });
    job = stepsJob;
  }
  return { job, needs: { job: id, needs }, ...(job.kind === 'call' ? { usesNode: field('uses') } : {}) };
}

function readStrategy(src: YamlSource, node: Node | null): Strategy | undefined {
  if (!node) return undefined;
  return compact({
    matrix: optionalRaw(src, node, 'matrix'),
    failFast: optionalRaw(src, node, 'fail-fast'),
    maxParallel: optionalRaw(src, node, 'max-parallel'),
  });
}

export function readDefaults(src: YamlSource, node: Node | null): Defaults {
  const run = src.get(node, 'run');
  if (!run) return {};
  return { run: compact({ shell: src.string(src.get(run, 'shell')), workingDirectory: src.string(src.get(run, 'working-directory')) }) };
}

/** `container: image` (or an expression) stays a string; the mapping form becomes a spec. */
function readContainerOrImage(src: YamlSource, node: Node | null): ContainerSpec | string | undefined {
  if (!node) return undefined;
  const raw = src.raw(node);
  if (typeof raw === 'string') return raw;
  return readContainer(src, node);
}

function readContainer(src: YamlSource, node: Node | null): ContainerSpec {
  const raw = src.raw(node);
  if (typeof raw === 'string') return { image: raw, env: {}, ports: [], volumes: [] };
  const field = (key: string) => src.get(node, key);
  const credentials = field('credentials');
  return compact({
    image: src.string(field('image')) ?? '',
    env: src.record(field('env')),
    ports: list(src.raw(field('ports'))),
    volumes: list(src.raw(field('volumes'))),
    options: src.string(field('options')),
    credentials: credentials
      ? compact({ username: src.string(src.get(credentials, 'username')), password: src.string(src.get(credentials, 'password')) })
      : undefined,
  });
}

function list(value: RawValue): RawValue[] {
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}
