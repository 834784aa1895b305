import type { Conclusion, JobResult, RunResult, StepResult } from '../../run/results.js';
import type { JobRef, RunEvents, StepRef } from '../../run/run-events.js';
import type { Masker } from '../secret-masker.js';
import { formatDuration, SGR, stripAnsi } from './format.js';

export interface ConsoleReporterOptions {
  /** Use ANSI colours. Without colour, no escape sequence is written, not even the step's own. */
  color: boolean;
  /** stdout is a terminal: keep a live status line per running job at the bottom. */
  tty: boolean;
  /** Also show skipped steps and each step's outputs. */
  verbose: boolean;
  /** Terminal width; status lines are cut to it (default 80). */
  columns?: number;
  /** Masks everything written once more (defence in depth: lines arrive masked already). */
  masker?: Masker;
  /** Clock, for tests. */
  now?: () => number;
}

/** Least time between two redraws of the status lines (at most 10 per second). */
export const STATUS_INTERVAL_MS = 100;

const JOB_COLORS = [SGR.cyan, SGR.magenta, SGR.blue, SGR.yellow, SGR.green];
const ANNOTATION = /^::(error|warning|notice)[ :]/;
const STAGE: Record<StepRef['stage'], string> = { pre: 'Pre', main: 'Main', post: 'Post' };
const RESULT_WORD: Record<Conclusion, string> = { success: 'Success', failure: 'Failure', cancelled: 'Cancelled', skipped: 'Skipped' };
const RESULT_ICON: Record<Conclusion, string> = { success: '✅', failure: '❌', cancelled: '🚫', skipped: '⏭' };

interface Running {
  job: JobRef;
  startedAt: number;
  step?: StepRef;
  stepStartedAt?: number;
}

/**
 * act-style live logs: `[workflow/job] ⭐ Run Main step`, `[workflow/job]   | output`,
 * `✅  Success - Main step [1.2s]`; `::group::` blocks as `▼ title` with indented lines;
 * annotations coloured. On a terminal, one status line per running job stays at the bottom,
 * redrawn in place at most every 100 ms; elsewhere plain lines only. The run ends with a table
 * of jobs (result, duration) and each job's GITHUB_STEP_SUMMARY markdown.
 */
export class ConsoleReporter implements RunEvents {
  readonly #write: (text: string) => void;
  readonly #options: ConsoleReporterOptions;
  readonly #now: () => number;
  readonly #running = new Map<string, Running>();
  readonly #colors = new Map<string, string>();
  #prefixWidth = 0;
  #buffer = '';
  #statusLines = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(write: (text: string) => void, options: ConsoleReporterOptions) {
    this.#write = write;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  runStarted(info: { runId: string; event: string; jobs: JobRef[] }): void {
    this.#prefixWidth = Math.max(0, ...info.jobs.map((job) => label(job).length + 2));
    info.jobs.forEach((job, i) => this.#colors.set(job.key, JOB_COLORS[i % JOB_COLORS.length]!));
  }

  jobStarted(job: JobRef): void {
    this.#running.set(job.key, { job, startedAt: this.#now() });
    this.#line(job, `🚀  Start job ${this.#paint(SGR.bold, job.name)}`);
    if (this.#options.tty && !this.#ticker) {
      this.#ticker = setInterval(() => this.#schedule(), 1000);
      this.#ticker.unref?.();
    }
  }

  stepStarted(job: JobRef, step: StepRef): void {
    const running = this.#running.get(job.key);
    if (running) Object.assign(running, { step, stepStartedAt: this.#now() });
    this.#line(job, `⭐ Run ${STAGE[step.stage]} ${step.name}`);
  }

  stepLog(job: JobRef, _step: StepRef, line: string, group?: string): void {
    if (line === '##[endgroup]') return;
    if (group !== undefined && line === `##[group]${group}`) {
      this.#line(job, `  ${this.#paint(SGR.bold, `▼ ${this.#clean(group)}`)}`);
      return;
    }
    const indent = group !== undefined ? '  ' : '';
    const text = this.#clean(line);
    const annotation = ANNOTATION.exec(text);
    if (annotation) {
      const color = annotation[1] === 'error' ? SGR.red : annotation[1] === 'warning' ? SGR.yellow : SGR.cyan;
      this.#line(job, `  | ${indent}${this.#paint(color, text)}`);
    } else if (text.startsWith('##[debug]')) {
      this.#line(job, `  | ${indent}${this.#paint(SGR.dim, `[debug] ${text.slice(9)}`)}`);
    } else {
      this.#line(job, `  | ${indent}${text}${this.#options.color && text.includes('\x1b') ? SGR.reset : ''}`);
    }
  }

  jobInfo(job: JobRef, message: string): void {
    this.#line(job, `  ${this.#paint(SGR.dim, `· ${this.#clean(message)}`)}`);
  }

  stepFinished(job: JobRef, step: StepResult): void {
    const running = this.#running.get(job.key);
    if (running) delete running.step;
    if (step.conclusion === 'skipped' && !this.#options.verbose) return;
    const failed = step.outcome === 'failure' || step.conclusion === 'failure';
    const color = failed ? SGR.red : step.conclusion === 'success' ? SGR.green : SGR.yellow;
    const word = step.outcome !== step.conclusion ? `${RESULT_WORD[step.outcome]} (continue-on-error)` : RESULT_WORD[step.conclusion];
    const icon = RESULT_ICON[step.outcome === 'failure' ? 'failure' : step.conclusion];
    const took = step.conclusion === 'skipped' ? '' : ` [${formatDuration(step.durationMs)}]`;
    this.#line(job, `  ${icon}  ${this.#paint(color, `${word} - ${STAGE[step.stage]} ${step.name}`)}${took}`);
    if (step.error) this.#line(job, `  ${this.#paint(SGR.red, `❗ ${this.#clean(step.error)}`)}`);
    if (this.#options.verbose) {
      for (const [name, value] of Object.entries(step.outputs)) this.#line(job, `  ⚙  output ${name}=${this.#clean(value)}`);
    }
  }

  jobFinished(job: JobRef, result: JobResult): void {
    this.#running.delete(job.key);
    if (this.#running.size === 0 && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    const ok = result.result === 'success';
    const word = { success: 'Job succeeded', failure: 'Job failed', cancelled: 'Job cancelled', skipped: 'Job skipped' }[result.result];
    this.#line(job, `🏁  ${this.#paint(ok ? SGR.green : result.result === 'failure' ? SGR.red : SGR.yellow, word)} [${formatDuration(result.durationMs)}]`);
    if (result.error) this.#line(job, `  ${this.#paint(SGR.red, `❗ ${this.#clean(result.error)}`)}`);
  }

  runFinished(result: RunResult): void {
    this.#running.clear();
    this.#out(this.#summary(result));
    this.close();
  }

  /** Writes buffered lines and redraws the status lines now. */
  flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (!this.#options.tty) return;
    const status = this.#status();
    if (this.#buffer === '' && status.length === 0 && this.#statusLines === 0) return;
    const erase = this.#statusLines > 0 ? `\x1b[${this.#statusLines}A\x1b[0J` : '';
    this.#write(erase + this.#buffer + status.map((s) => s + '\n').join(''));
    this.#buffer = '';
    this.#statusLines = status.length;
    this.#lastDraw = this.#now();
  }

  /** Flushes, removes the status lines and stops the timers; later events still print. */
  close(): void {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#running.clear();
    this.flush();
  }

  #line(job: JobRef, text: string): void {
    const color = this.#colors.get(job.key) ?? JOB_COLORS[0]!;
    const prefix = `[${label(job)}]`.padEnd(this.#prefixWidth);
    this.#out(`${this.#paint(color, prefix)} ${text}\n`);
  }

  #out(text: string): void {
    const masked = this.#options.masker ? this.#options.masker.mask(text) : text;
    if (!this.#options.tty) {
      this.#write(masked);
      return;
    }
    this.#buffer += masked;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushTimer) return;
    const wait = Math.max(0, this.#lastDraw + STATUS_INTERVAL_MS - this.#now());
    this.#flushTimer = setTimeout(() => this.flush(), wait);
    this.#flushTimer.unref?.();
  }

  #status(): string[] {
    const width = Math.max(20, this.#options.columns ?? 80) - 2; // emoji take two columns
    const now = this.#now();
    return [...this.#running.values()].map((r) => {
      const doing = r.step ? `${STAGE[r.step.stage]} ${r.step.name}` : 'starting';
      const since = formatDuration(now - (r.stepStartedAt ?? r.startedAt));
      const text = truncate(`⏳ ${label(r.job)} · ${doing} · ${since}`, width);
      return this.#paint(SGR.dim, text);
    });
  }

  #summary(result: RunResult): string {
    const rows = result.jobs.map((job) => [`${label({ workflow: job.workflow, name: job.name })}`, job.result, formatDuration(job.durationMs)] as const);
    const headers = ['Job', 'Result', 'Duration'] as const;
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const pad = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    const color = (c: Conclusion): string => (c === 'success' ? SGR.green : c === 'failure' ? SGR.red : SGR.yellow);
    const lines = ['', this.#paint(SGR.bold, pad(headers))];
    for (const [i, row] of rows.entries()) {
      const conclusion = result.jobs[i]!.result;
      const cells = row.map((c, j) => c.padEnd(widths[j]!));
      cells[1] = this.#paint(color(conclusion), cells[1]!);
      lines.push(cells.join('  ').trimEnd());
    }
    const verdict = result.result === 'success' ? 'succeeded' : result.result === 'failure' ? 'failed' : result.result;
    lines.push('', this.#paint(color(result.result), `Run ${verdict} in ${formatDuration(result.durationMs)}`));
    for (const job of result.jobs) {
      if (!job.summary.trim()) continue;
      lines.push('', this.#paint(SGR.bold, `── Summary: ${label({ workflow: job.workflow, name: job.name })} ──`));
      lines.push(...job.summary.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n').map((l) => this.#clean(l)));
    }
    return lines.join('\n') + '\n';
  }

  /** The text as a terminal would leave it: after the last lone CR, without escapes when colour is off. */
  #clean(text: string): string {
    const cr = text.lastIndexOf('\r');
    const visible = cr >= 0 && cr < text.length - 1 ? text.slice(cr + 1) : text.replace(/\r$/, '');
    return this.#options.color ? visible : stripAnsi(visible).replace(/\x1b/g, '');
  }

  #paint(color: string, text: string): string {
    return this.#options.color ? `${color}${text}${SGR.reset}` : text;
  }
}

/** `ci/build (ubuntu, 20)`: the workflow's file name without extension, and the job's display name. */
function label(job: Pick<JobRef, 'workflow' | 'name'>): string {
  const base = job.workflow.split('/').pop() ?? job.workflow;
  return `${base.replace(/\.ya?ml$/, '')}/${job.name}`;
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, width - 1).join('') + '…';
}
