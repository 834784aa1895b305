import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResult } from '../../run/results.js';
import type { RunEvents } from '../../run/run-events.js';
import type { Masker } from '../secret-masker.js';
import { maskDeep } from './mask-deep.js';

/** Version of the JSON document's shape; raised when a field changes meaning or goes away. */
export const JSON_REPORT_VERSION = 1;

/** The `--json FILE` document: the whole RunResult (jobs, steps, outcomes, outputs, timings), every string masked. */
export function toJsonReport(result: RunResult, masker?: Masker): string {
  return JSON.stringify({ version: JSON_REPORT_VERSION, ...maskDeep(result, masker) }, null, 2) + '\n';
}

/** Writes the run's result as JSON to `path` when the run finishes (synchronously, so it is there before kact exits). */
export class JsonReporter implements RunEvents {
  constructor(
    readonly path: string,
    private readonly options: { masker?: Masker } = {},
  ) {}

  runFinished(result: RunResult): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, toJsonReport(result, this.options.masker));
  }
}
