import type { Contexts, Value } from '@kact/expressions';
import type { JobPod } from '../backend/job-backend.js';
import type { Conclusion } from './results.js';

export interface StepRecord {
  outputs: Record<string, string>;
  outcome: Conclusion;
  conclusion: Conclusion;
}

/**
 * What one job leg accumulates while its steps run: the env and PATH that file commands add,
 * the steps context, its status as status functions see it, and the post steps to run.
 */
export class JobState {
  /** Job-level env (workflow < job), then GITHUB_ENV additions on top. */
  readonly env: Record<string, string>;
  /** GITHUB_PATH additions, the newest first. */
  readonly pathAdditions: string[] = [];
  readonly steps: Record<string, StepRecord> = {};
  /** Action state from GITHUB_STATE / save-state, per action step, for its pre and post steps. */
  readonly actionState = new Map<string, Record<string, string>>();
  readonly summaries: string[] = [];
  /** Pod folders remote actions were already copied to. */
  readonly copiedActions = new Set<string>();
  /** The container PATH before any addition, probed at job start. */
  basePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  hasBash = true;

  constructor(
    readonly pod: JobPod,
    /** Contexts fixed for the job: github, vars, secrets, inputs, matrix, needs, strategy, runner, job. */
    readonly contexts: Contexts,
    env: Record<string, string>,
  ) {
    this.env = { ...env };
  }

  /**
   * Contexts for evaluating a step's fields, with `env` as given; a composite action's scope
   * brings its own `steps`, `inputs` and `github.action_path`.
   */
  stepContexts(env: Record<string, string>, scope?: { steps: Record<string, StepRecord>; inputs?: Record<string, Value>; actionPath?: string }): Contexts {
    const github = scope?.actionPath ? { ...(this.contexts.github as Record<string, Value>), action_path: scope.actionPath } : this.contexts.github;
    return {
      ...this.contexts,
      ...(github ? { github } : {}),
      env,
      steps: (scope?.steps ?? this.steps) as unknown as Value,
      ...(scope?.inputs ? { inputs: scope.inputs } : {}),
    };
  }

  /** PATH for the next step: additions first, then the container's own. */
  path(): string | undefined {
    return this.pathAdditions.length === 0 ? undefined : [...this.pathAdditions, this.basePath].join(':');
  }
}
