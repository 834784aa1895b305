/**
 * The typed workflow model kact runs. Values that may hold `${{ }}` templates are kept
 * unevaluated (as the decoded YAML scalar text, never the parser's re-rendered form):
 * the planner and the job runner evaluate them when their contexts exist.
 */

/** A position in a workflow or action file; `line` and `column` are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A YAML value as written, with scalars decoded and templates left as text. */
export type RawValue = string | number | boolean | null | RawValue[] | { [key: string]: RawValue };

export interface RunDefaults {
  shell?: string;
  workingDirectory?: string;
}

export interface Defaults {
  run?: RunDefaults;
}

export interface Workflow {
  /** Path of the workflow file relative to the repository root, with `/` separators. */
  file: string;
  /** `name:` or, as GitHub shows it, the file path when there is none. */
  name: string;
  /** Event name → its raw configuration (`null` for `on: push` without a body). */
  on: Record<string, RawValue>;
  env: Record<string, RawValue>;
  defaults: Defaults;
  permissions?: RawValue;
  concurrency?: RawValue;
  /** Jobs in file order. */
  jobs: Job[];
  location: SourceLocation;
}

export interface Strategy {
  /** A mapping (dimensions, include, exclude) or an expression string such as `${{ fromJSON(...) }}`. */
  matrix?: RawValue;
  /** Raw `fail-fast` (GitHub's default is true). */
  failFast?: RawValue;
  maxParallel?: RawValue;
}

export interface ContainerSpec {
  image: string;
  env: Record<string, RawValue>;
  ports: RawValue[];
  volumes: RawValue[];
  options?: string;
  credentials?: { username?: string; password?: string };
}

interface JobBase {
  id: string;
  /** Raw `name:` (may hold a template, e.g. with matrix values). */
  name?: string;
  needs: string[];
  /** Raw `if:` as written (not wrapped in `success() &&`). */
  if?: string;
  strategy?: Strategy;
  env: Record<string, RawValue>;
  outputs: Record<string, string>;
  timeoutMinutes?: RawValue;
  continueOnError?: RawValue;
  permissions?: RawValue;
  concurrency?: RawValue;
  environment?: RawValue;
  location: SourceLocation;
}

/** A job with `steps:` that runs in one pod. */
export interface StepsJob extends JobBase {
  kind: 'steps';
  runsOn: RawValue;
  container?: ContainerSpec | string;
  services: Record<string, ContainerSpec>;
  defaults: Defaults;
  steps: Step[];
}

/** A job that calls a reusable workflow (`jobs.<id>.uses`). */
export interface CallJob extends JobBase {
  kind: 'call';
  uses: string;
  with: Record<string, RawValue>;
  secrets: Record<string, RawValue> | 'inherit';
  /** The called workflow, loaded when `uses` names a local file (`./.github/workflows/x.yml`). */
  workflow?: Workflow;
}

export type Job = StepsJob | CallJob;

interface StepBase {
  /** Position in its job (or composite action), 0-based. */
  index: number;
  id?: string;
  name?: string;
  if?: string;
  env: Record<string, RawValue>;
  continueOnError?: RawValue;
  timeoutMinutes?: RawValue;
  location: SourceLocation;
}

export interface RunStep extends StepBase {
  kind: 'run';
  run: string;
  shell?: string;
  workingDirectory?: string;
}

export interface UsesStep extends StepBase {
  kind: 'uses';
  uses: string;
  with: Record<string, RawValue>;
}

export type Step = RunStep | UsesStep;

/** What a step's or job's `uses:` points at. */
export type ActionReference =
  | { kind: 'local'; path: string }
  | { kind: 'docker'; image: string }
  | { kind: 'remote'; owner: string; repo: string; path: string; ref: string };

export interface ActionInput {
  description?: string;
  required: boolean;
  default?: string;
  deprecationMessage?: string;
}

export interface ActionOutput {
  description?: string;
  /** Composite actions map outputs to a template such as `${{ steps.x.outputs.y }}`. */
  value?: string;
}

export interface NodeRuns {
  using: 'node12' | 'node16' | 'node20' | 'node24';
  main: string;
  pre?: string;
  preIf?: string;
  post?: string;
  postIf?: string;
}

export interface CompositeRuns {
  using: 'composite';
  steps: Step[];
}

export interface DockerRuns {
  using: 'docker';
  /** `docker://image` or a Dockerfile path relative to the action. */
  image: string;
  entrypoint?: string;
  preEntrypoint?: string;
  postEntrypoint?: string;
  preIf?: string;
  postIf?: string;
  args: string[];
  env: Record<string, RawValue>;
}

export interface Action {
  /** Path of the action.yml/action.yaml file. */
  file: string;
  name: string;
  description?: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, ActionOutput>;
  runs: NodeRuns | CompositeRuns | DockerRuns;
}
