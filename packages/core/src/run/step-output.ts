import { LineSplitter } from '../output/line-splitter.js';
import type { JobEnvironment } from './job-environment.js';
import type { Annotation } from './results.js';
import type { StepRef } from './run-events.js';

/** What workflow commands in a step's output set (the deprecated, in-band forms). */
export interface CommandEffects {
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  annotations: Annotation[];
  /** A command could not be processed; the runner fails the step then. */
  failed: boolean;
}

export interface StepOutput {
  write(chunk: string): void;
  /** Flushes a last line without newline and returns what the commands set. */
  end(): CommandEffects;
}

/**
 * A step's output path: chunks become lines, lines go through the job's workflow-command
 * processor (masks registered there apply at once), and what is left to show reaches the
 * reporters masked.
 */
export function createStepOutput(job: JobEnvironment, step: StepRef, allowUnsecureCommands = false): StepOutput {
  job.commands.startStep({ allowUnsecureCommands });
  const effects: CommandEffects = { outputs: {}, env: {}, path: [], state: {}, annotations: [], failed: false };
  const splitter = new LineSplitter(
    (line) => {
      const r = job.commands.processLine(line);
      for (const shown of r.display) job.events.stepLog?.(job.job, step, shown, r.groupTitle);
      effects.annotations.push(...r.annotations);
      if (r.output) effects.outputs[r.output[0]] = r.output[1];
      if (r.env) effects.env[r.env[0]] = r.env[1];
      if (r.path) effects.path.push(r.path);
      if (r.state) effects.state[r.state[0]] = r.state[1];
      if (r.failed) effects.failed = true;
    },
    { cutPoint: (text, at) => job.masker.safeCut(text, at) },
  );
  return {
    write: (chunk) => splitter.write(chunk),
    end: () => {
      splitter.end();
      return effects;
    },
  };
}
