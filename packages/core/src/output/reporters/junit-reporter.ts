import type { Annotation, JobResult, RunResult, StepResult } from '../../run/results.js';
import type { Masker } from '../secret-masker.js';
import { FileReporter } from './file-reporter.js';
import { maskDeep } from './mask-deep.js';
import { stripAnsi } from './format.js';

/**
 * The run as JUnit XML: a `<testsuite>` per job, a `<testcase>` per step. A failed step has a
 * `<failure>` with its error and error annotations; skipped and cancelled steps are `<skipped>`.
 * A job that failed without a failed step (it could not start, a post step broke it…) gets a
 * testcase of its own for that failure. Every string is masked, stripped of ANSI escapes and
 * of characters XML cannot hold, and escaped.
 */
export function toJUnitXml(run: RunResult, masker?: Masker): string {
  const result = maskDeep(run, masker);
  const suites = result.jobs.map(suiteOf);
  const total = (key: keyof Counts): number => suites.reduce((n, s) => n + s.counts[key], 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`kact ${result.event} ${result.runId}`)}" tests="${total('tests')}" failures="${total('failures')}" errors="0" skipped="${total('skipped')}" time="${seconds(result.durationMs)}">`,
    ...suites.flatMap((s) => s.lines),
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

/** Writes JUnit XML for the run to `path` when it finishes. */
export class JUnitReporter extends FileReporter {
  constructor(path: string, options: { masker?: Masker } = {}) {
    super(path, toJUnitXml, options.masker);
  }
}

interface Counts {
  tests: number;
  failures: number;
  skipped: number;
}

interface Case {
  name: string;
  durationMs: number;
  failure?: { type: string; message: string; body: string };
  skipped?: string;
  output?: string;
}

function suiteOf(job: JobResult): { lines: string[]; counts: Counts } {
  const classname = `${job.workflow}.${job.jobId}`;
  const cases = job.steps.map(stepCase);
  const jobFailed = job.result === 'failure' || job.result === 'cancelled';
  if (cases.length === 0 || (jobFailed && !cases.some((c) => c.failure))) {
    cases.push(jobCase(job));
  }
  const counts: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
  };
  const lines = [
    `  <testsuite name="${attr(`${job.workflow}/${job.name}`)}" tests="${counts.tests}" failures="${counts.failures}" errors="0" skipped="${counts.skipped}" time="${seconds(job.durationMs)}"${job.startedAt ? ` timestamp="${attr(job.startedAt)}"` : ''}>`,
    '    <properties>',
    property('workflow', job.workflow),
    property('job', job.jobId),
    property('result', job.result),
    ...Object.entries(job.matrix).map(([key, value]) => property(`matrix.${key}`, typeof value === 'string' ? value : JSON.stringify(value))),
    ...Object.entries(job.outputs).map(([key, value]) => property(`outputs.${key}`, value)),
    '    </properties>',
    ...cases.flatMap((c) => caseLines(c, classname)),
    ...(job.summary ? [`    <system-out>${text(job.summary)}</system-out>`] : []),
    '  </testsuite>',
  ];
  return { lines, counts };
}

function stepCase(step: StepResult): Case {
  const c: Case = { name: step.name, durationMs: step.durationMs };
  const errors = step.annotations.filter((a) => a.level === 'error');
  if (step.conclusion === 'failure') {
    const message = step.error ?? errors[0]?.message ?? `${step.name} failed`;
    c.failure = { type: 'failure', message, body: [step.error, ...errors.map(describeAnnotation)].filter(Boolean).join('\n') };
  } else if (step.conclusion === 'skipped') {
    c.skipped = '';
  } else if (step.conclusion === 'cancelled') {
    c.skipped = 'cancelled';
  }
  const notes = step.annotations.filter((a) => a.level !== 'error' || step.conclusion !== 'failure').map(describeAnnotation);
  if (step.outcome !== step.conclusion) notes.unshift(`outcome: ${step.outcome} (continue-on-error)`);
  if (notes.length) c.output = notes.join('\n');
  return c;
}

function jobCase(job: JobResult): Case {
  const c: Case = { name: job.name, durationMs: job.durationMs };
  if (job.result === 'failure') c.failure = { type: 'failure', message: job.error ?? 'The job failed', body: job.error ?? '' };
  else if (job.result === 'cancelled') c.skipped = job.error ?? 'cancelled';
  else if (job.result === 'skipped') c.skipped = job.error ?? '';
  return c;
}

function caseLines(c: Case, classname: string): string[] {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(classname)}" time="${seconds(c.durationMs)}"`;
  const inner: string[] = [];
  if (c.failure) inner.push(`      <failure type="${attr(c.failure.type)}" message="${attr(c.failure.message)}">${text(c.failure.body)}</failure>`);
  if (c.skipped !== undefined) inner.push(c.skipped ? `      <skipped message="${attr(c.skipped)}"/>` : '      <skipped/>');
  if (c.output) inner.push(`      <system-out>${text(c.output)}</system-out>`);
  return inner.length ? [`${open}>`, ...inner, '    </testcase>'] : [`${open}/>`];
}

function property(name: string, value: string): string {
  return `      <property name="${attr(name)}" value="${attr(value)}"/>`;
}

function describeAnnotation(a: Annotation): string {
  const at = a.file ? `${a.file}${a.line !== undefined ? `:${a.line}` : ''}${a.col !== undefined ? `:${a.col}` : ''}: ` : '';
  return `${a.level}: ${at}${a.title ? `${a.title}: ` : ''}${a.message}`;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** Characters XML 1.0 cannot hold (controls other than tab/LF/CR, lone surrogates, U+FFFE/FFFF) become U+FFFD. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return stripAnsi(value).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
