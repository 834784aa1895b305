import type { RunResult } from '../../run/results.js';
import type { Masker } from '../secret-masker.js';
import { FileReporter } from './file-reporter.js';
import { maskDeep } from './mask-deep.js';

/** Version of the JSON document's shape; raised when a field changes meaning or goes away. */
export const JSON_REPORT_VERSION = 1;

/** The `--json FILE` document: the whole RunResult (jobs, steps, outcomes, outputs, timings), every string masked. */
export function toJsonReport(result: RunResult, masker?: Masker): string {
  return JSON.stringify({ version: JSON_REPORT_VERSION, ...maskDeep(result, masker) }, null, 2) + '\n';
}

/** Writes the run's result as JSON to `path` when the run finishes. */
export class JsonReporter extends FileReporter {
  constructor(path: string, options: { masker?: Masker } = {}) {
    super(path, toJsonReport, options.masker);
  }
}
