import type { JobResult, RunResult, StepResult } from './results.js';

/** Identifies a job leg and a step in progress events. */
export interface JobRef {
  key: string;
  name: string;
  workflow: string;
}

export interface StepRef {
  index: number;
  name: string;
  stage: 'pre' | 'main' | 'post';
}

/**
 * What reporters see while a run goes on. Every method is optional; log lines arrive already
 * masked and with workflow commands processed.
 */
export interface RunEvents {
  runStarted?(info: { runId: string; event: string; jobs: JobRef[] }): void;
  jobStarted?(job: JobRef): void;
  stepStarted?(job: JobRef, step: StepRef): void;
  /** One line of step output (without its newline); `group` is set inside ::group:: blocks. */
  stepLog?(job: JobRef, step: StepRef, line: string, group?: string): void;
  /** A message from kact itself about the job (pulling image, cancelled, …). */
  jobInfo?(job: JobRef, message: string): void;
  stepFinished?(job: JobRef, step: StepResult): void;
  jobFinished?(job: JobRef, result: JobResult): void;
  runFinished?(result: RunResult): void;
}
