import type { JobRef, RunEvents, StepRef } from '@kact/core';

/** What reached the reporters' `stepLog` during a run: every line, as bytes with its newline. */
export interface LogTally {
  lines: number;
  /** UTF-8 bytes of every line plus one newline each. */
  bytes: number;
  /** Lines made of exactly `width` times `x` (the log scenario's payload). */
  payloadLines: number;
}

/** How the delivered log compares with what the log step printed. */
export interface LogCheck {
  printedBytes: number;
  deliveredBytes: number;
  expectedLines: number;
  deliveredLines: number;
  /** Lines that are not whole payload lines (split, joined or damaged on the way). */
  otherLines: number;
  ok: boolean;
}

/**
 * The run's only reporter: prints nothing (so output doesn't distort the numbers), counts the log
 * bytes that reach `stepLog`, and keeps kact's own messages about jobs for failure reports.
 */
export class SilentEvents implements RunEvents {
  readonly log: LogTally = { lines: 0, bytes: 0, payloadLines: 0 };
  /** `jobInfo` messages, newest last (a run's failure is explained by these). */
  readonly messages: string[] = [];
  private readonly payload: string;

  constructor(payloadWidth = 100) {
    this.payload = 'x'.repeat(payloadWidth);
  }

  stepLog(_job: JobRef, _step: StepRef, line: string): void {
    this.log.lines++;
    this.log.bytes += Buffer.byteLength(line, 'utf8') + 1;
    if (line === this.payload) this.log.payloadLines++;
  }

  jobInfo(job: JobRef, message: string): void {
    this.messages.push(`${job.name}: ${message}`);
    if (this.messages.length > 50) this.messages.shift();
  }

  /** Compares the tally with the bytes and lines the step printed. */
  check(printedBytes: number, expectedLines: number): LogCheck {
    const otherLines = this.log.lines - this.log.payloadLines;
    return {
      printedBytes,
      deliveredBytes: this.log.bytes,
      expectedLines,
      deliveredLines: this.log.lines,
      otherLines,
      ok: this.log.bytes === printedBytes && this.log.payloadLines === expectedLines && otherLines === 0,
    };
  }
}
