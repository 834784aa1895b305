/** The job an ActionRuntime hands credentials to. */
export interface RuntimeJob {
  runId: string;
  /** The leg's key in the run (`build`, `test[2]`): unique within the run. */
  key: string;
  /** GITHUB_REPOSITORY: one cache folder serves every repository, each seeing only its own entries. */
  repository: string;
  /** GITHUB_REF, GITHUB_BASE_REF and the event: the cache scopes its entries by them, as GitHub does. */
  ref: string;
  baseRef: string;
  defaultBranch: string;
  eventName: string;
}

/** What a job's JavaScript and Docker actions get: variables, and those of their values that are secrets. */
export interface ActionRuntimeEnv {
  /**
   * May still be on its way when the job starts (a relay pod starting beside the job's pod):
   * only the steps that get it wait for it.
   */
  env: Record<string, string> | Promise<Record<string, string>>;
  /** Values to mask in every log and report (the runtime token). */
  secrets: string[];
}

/**
 * The services GitHub's runner hands its actions (artifacts, cache) through ACTIONS_* variables:
 * ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, ACTIONS_CACHE_URL, … As on the runner, only
 * JavaScript and Docker actions see them, never a `run:` step.
 */
export interface ActionRuntime {
  forJob(job: RuntimeJob): ActionRuntimeEnv;
}
