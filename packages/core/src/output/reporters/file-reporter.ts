import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResult } from '../../run/results.js';
import type { RunEvents } from '../../run/run-events.js';
import type { Masker } from '../secret-masker.js';

/**
 * Writes a rendering of the run to `path` when the run finishes (synchronously, so the file is
 * there before kact exits); the renderer masks with the masker it is given.
 */
export class FileReporter implements RunEvents {
  constructor(
    readonly path: string,
    private readonly render: (result: RunResult, masker?: Masker) => string,
    private readonly masker?: Masker,
  ) {}

  runFinished(result: RunResult): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, this.render(result, this.masker));
  }
}
