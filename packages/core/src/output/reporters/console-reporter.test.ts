import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleReporter, type ConsoleReporterOptions } from './console-reporter.js';
import { job, jobResult, runResult, step, stepResult } from './fixtures.js';
import { SecretMasker } from '../secret-masker.js';

function reporter(options: Partial<ConsoleReporterOptions> = {}): { r: ConsoleReporter; out: () => string } {
  let text = '';
  const r = new ConsoleReporter((t) => (text += t), { color: false, tty: false, verbose: false, ...options });
  r.runStarted({ runId: 'r1', event: 'push', jobs: [job] });
  return { r, out: () => text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ConsoleReporter', () => {
  it('prints act-style prefixed lines for a step', () => {
    const { r, out } = reporter();
    r.jobStarted(job);
    r.stepStarted(job, step);
    r.stepLog(job, step, 'compiling');
    r.stepFinished(job, stepResult());
    r.jobFinished(job, jobResult());
    expect(out()).toBe(
      [
        '[ci/build] 🚀  Start job build',
        '[ci/build] ⭐ Run Main Run make',
        '[ci/build]   | compiling',
        '[ci/build]   ✅  Success - Main Run make [1.2s]',
        '[ci/build] 🏁  Job succeeded [3.4s]',
        '',
      ].join('\n'),
    );
  });

  it('prints failures with their error', () => {
    const { r, out } = reporter();
    r.stepFinished(job, stepResult({ outcome: 'failure', conclusion: 'failure', error: 'exit code 2' }));
    expect(out()).toContain('[ci/build]   ❌  Failure - Main Run make [1.2s]');
    expect(out()).toContain('❗ exit code 2');
  });

  it('says when a failure was let through by continue-on-error', () => {
    const { r, out } = reporter();
    r.stepFinished(job, stepResult({ outcome: 'failure', conclusion: 'success' }));
    expect(out()).toContain('❌  Failure (continue-on-error) - Main Run make');
  });

  it('folds ::group:: blocks: ▼ title, indented lines, no endgroup marker', () => {
    const { r, out } = reporter();
    r.stepLog(job, step, '##[group]Install', 'Install');
    r.stepLog(job, step, 'added 12 packages', 'Install');
    r.stepLog(job, step, '##[endgroup]');
    r.stepLog(job, step, 'done');
    expect(out()).toBe(['[ci/build]   ▼ Install', '[ci/build]   |   added 12 packages', '[ci/build]   | done', ''].join('\n'));
  });

  it('colours annotations when colour is on', () => {
    const { r, out } = reporter({ color: true });
    r.stepLog(job, step, '::error file=a.ts,line=1::broken');
    r.stepLog(job, step, '::warning::hmm');
    expect(out()).toContain('\x1b[31m::error file=a.ts,line=1::broken\x1b[0m');
    expect(out()).toContain('\x1b[33m::warning::hmm\x1b[0m');
  });

  it('writes no ANSI escape when not a TTY and colour is off, even from the step output', () => {
    const { r, out } = reporter();
    r.jobStarted(job);
    r.stepStarted(job, step);
    r.stepLog(job, step, '\x1b[32mgreen\x1b[0m text');
    r.stepLog(job, step, '::error::bad');
    r.stepFinished(job, stepResult({ outcome: 'failure', conclusion: 'failure' }));
    r.jobFinished(job, jobResult({ result: 'failure' }));
    r.runFinished(runResult([jobResult({ result: 'failure' })]));
    expect(out()).not.toContain('\x1b');
    expect(out()).toContain('[ci/build]   | green text');
  });

  it('shows what a terminal would show for progress lines redrawn with \\r', () => {
    const { r, out } = reporter();
    r.stepLog(job, step, 'Receiving 10%\rReceiving 55%\rReceiving 100%');
    expect(out()).toBe('[ci/build]   | Receiving 100%\n');
  });

  it('ends with a table of jobs and the step summaries', () => {
    const { r, out } = reporter();
    const failed = jobResult({ key: 'k2', jobId: 'test', name: 'test (20)', result: 'failure', durationMs: 61_000, summary: '## Coverage\n\n| a | b |\n' });
    r.runFinished(runResult([jobResult(), failed]));
    const text = out();
    expect(text).toMatch(/Job\s+Result\s+Duration/);
    expect(text).toMatch(/ci\/build\s+success\s+3\.4s/);
    expect(text).toMatch(/ci\/test \(20\)\s+failure\s+1m01s/);
    expect(text).toContain('Run failed in 5.0s');
    expect(text).toContain('── Summary: ci/test (20) ──\n## Coverage\n\n| a | b |');
  });

  it('masks what it writes when given a masker', () => {
    const masker = new SecretMasker();
    masker.add('hunter2');
    const { r, out } = reporter({ masker });
    r.stepLog(job, step, 'pw hunter2');
    expect(out()).toBe('[ci/build]   | pw ***\n');
  });

  it('on a TTY keeps one status line per running job, redrawn in place at most every 100 ms', () => {
    vi.useFakeTimers();
    let now = 0;
    const writes: string[] = [];
    const r = new ConsoleReporter((t) => writes.push(t), { color: false, tty: true, verbose: false, now: () => now });
    r.runStarted({ runId: 'r1', event: 'push', jobs: [job] });
    r.jobStarted(job);
    r.stepStarted(job, step);
    for (let i = 0; i < 50; i++) r.stepLog(job, step, `line ${i}`);
    expect(writes).toHaveLength(0);
    vi.advanceTimersByTime(0);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('line 49');
    expect(writes[0]!.trimEnd().split('\n').at(-1)).toBe('⏳ ci/build · Main Run make · 0ms');

    now = 30;
    r.stepLog(job, step, 'more');
    vi.advanceTimersByTime(50);
    expect(writes).toHaveLength(1);
    now = 100;
    vi.advanceTimersByTime(50);
    expect(writes).toHaveLength(2);
    expect(writes[1]!.startsWith('\x1b[1A\x1b[0J')).toBe(true);
    expect(writes[1]).toContain('more');

    r.jobFinished(job, jobResult());
    r.runFinished(runResult([jobResult()]));
    expect(writes.join('')).toContain('Run succeeded');
    expect(writes.at(-1)).not.toContain('⏳');
  });
});
