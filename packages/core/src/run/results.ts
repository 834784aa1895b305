/** GitHub's result words: a step's outcome/conclusion, a job's result. */
export type Conclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

/** `::error::`, `::warning::` and `::notice::` annotations, with their position when given. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

export interface StepResult {
  /** 0-based position in the job, counting pre and post steps where they run. */
  index: number;
  id?: string;
  /** Display name as GitHub shows it (`Run echo hi`, `Post Run ./action`). */
  name: string;
  stage: 'pre' | 'main' | 'post';
  /** Result before continue-on-error. */
  outcome: Conclusion;
  /** Result after continue-on-error. */
  conclusion: Conclusion;
  outputs: Record<string, string>;
  startedAt?: string;
  durationMs: number;
  /** Why it failed, in one sentence, when not a plain non-zero exit. */
  error?: string;
  annotations: Annotation[];
}

export interface JobResult {
  /** `<workflow file>#<job id>` plus the leg's index for matrix jobs. */
  key: string;
  jobId: string;
  /** Display name (`test (ubuntu, 20)`). */
  name: string;
  workflow: string;
  matrix: Record<string, unknown>;
  result: Conclusion;
  outputs: Record<string, string>;
  steps: StepResult[];
  startedAt?: string;
  durationMs: number;
  error?: string;
  /** Markdown the steps wrote to GITHUB_STEP_SUMMARY, in step order. */
  summary: string;
}

export interface RunResult {
  runId: string;
  event: string;
  strategy: string;
  startedAt: string;
  durationMs: number;
  result: Conclusion;
  jobs: JobResult[];
}
