import type { Value } from '@kact/expressions';
import type { Defaults } from '@kact/model';
import type { StepStrategy } from '../backend/step-strategy.js';
import type { JobBackend } from '../backend/job-backend.js';
import type { ActionStore } from '../actions/action-store.js';
import type { SecretMasker } from '../output/secret-masker.js';
import type { WorkflowCommandProcessor } from '../output/workflow-commands.js';
import type { JobState, StepRecord } from './job-state.js';
import type { JobRef, RunEvents } from './run-events.js';
import type { StepResult } from './results.js';
import type { Cancellation } from './cancellation.js';

/** Options of a run that steps need. */
export interface StepOptions {
  repoRoot: string;
  /** `--debug` or ACTIONS_STEP_DEBUG: show ::debug:: lines and step introspection. */
  debug: boolean;
  /** Act-compatibility: ACT=true in env, act's defaults. */
  actCompat: boolean;
}

/** Everything a step needs from its job: shared by the job's steps and nested composites. */
export interface JobEnvironment {
  state: JobState;
  backend: JobBackend;
  strategy: StepStrategy;
  actions: ActionStore;
  events: RunEvents;
  job: JobRef;
  masker: SecretMasker;
  /** The job's workflow-command state: masks and stop-commands last for the whole job. */
  commands: WorkflowCommandProcessor;
  options: StepOptions;
  cancellation: Cancellation;
  /** Post steps registered by actions, run in reverse order after the main steps. */
  posts: PostStep[];
  /** Results of every step run so far, in order, including composite children's parents only. */
  results: StepResult[];
  /** ACTIONS_* variables of the run's artifact and cache services, for JavaScript and Docker actions only (as the runner). */
  actionRuntimeEnv: Promise<Record<string, string>>;
  /**
   * The node JavaScript actions run with: `POD_EXTERNALS.node` in a container job's pod that has
   * kact's externals (`JobPodRequest.externals`), else `node` of the image.
   */
  nodeCommand: string;
  /**
   * Set by the first step that kact's machinery failed (InfrastructureError: a lost pod, no exit
   * record): the job fails with it, whatever `continue-on-error` says.
   */
  infrastructureFailure?: string;
}

/**
 * A list of steps and what they see: the job's steps, or a composite action's, which have their
 * own `steps` context, `inputs` and status.
 */
export interface StepScope {
  steps: Record<string, StepRecord>;
  /** Status for status functions within this scope. */
  status: 'success' | 'failure' | 'cancelled';
  defaults: Defaults;
  /** Composite scopes: the action's inputs and folder in the pod. */
  inputs?: Record<string, Value>;
  actionPath?: string;
  /** Composite scopes: env the action's caller set, under the step's own env. */
  env?: Record<string, string>;
  /** Prefix for nested step names (`Run ./action / step`). */
  namePrefix?: string;
}

export interface PostStep {
  name: string;
  condition: string;
  run: (signal: AbortSignal) => Promise<{ failed: boolean; error?: string }>;
}
