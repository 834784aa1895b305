import type { JobResult, RunResult, StepResult } from '@kact/core';
import type { ExpectedJob, ExpectedStep, Expectation } from './expectation.js';

/** What one kact run produced: its exit code, its console output and its `--json` result. */
export interface RunObservation {
  exit: number | null;
  signal?: string | null;
  output: string;
  result?: RunResult;
  timedOut?: boolean;
}

const show = (v: unknown) => JSON.stringify(v);

function findJob(result: RunResult, key: string): JobResult | undefined {
  return result.jobs.find((j) => j.name === key) ?? result.jobs.find((j) => j.jobId === key && result.jobs.filter((o) => o.jobId === key).length === 1);
}

function findStep(job: JobResult, expected: ExpectedStep): StepResult | undefined {
  return job.steps.find(
    (s) => (expected.id === undefined || s.id === expected.id) && (expected.name === undefined || s.name === expected.name) && (expected.stage === undefined || s.stage === expected.stage),
  );
}

function compareOutputs(where: string, expected: Record<string, string> | undefined, actual: Record<string, string>): string[] {
  if (!expected) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(expected)) {
    if (!(name in actual)) out.push(`${where}: output '${name}' missing (have ${show(Object.keys(actual))})`);
    else if (actual[name] !== value) out.push(`${where}: output '${name}' is ${show(actual[name])}, expected ${show(value)}`);
  }
  return out;
}

function compareJob(name: string, expected: ExpectedJob, job: JobResult): string[] {
  const where = `job '${name}'`;
  const out: string[] = [];
  if (expected.result !== undefined && job.result !== expected.result) {
    out.push(`${where}: result ${job.result}, expected ${expected.result}${job.error ? ` (error: ${job.error})` : ''}`);
  }
  if (expected.error !== undefined && !(job.error ?? '').includes(expected.error)) out.push(`${where}: error ${show(job.error ?? '')} does not contain ${show(expected.error)}`);
  if (expected.summary !== undefined && !job.summary.includes(expected.summary)) out.push(`${where}: step summary ${show(job.summary)} does not contain ${show(expected.summary)}`);
  out.push(...compareOutputs(where, expected.outputs, job.outputs));
  for (const step of expected.steps ?? []) {
    const label = `${where} step ${show(step.id ?? step.name)}${step.stage ? ` (${step.stage})` : ''}`;
    const actual = findStep(job, step);
    if (!actual) {
      out.push(`${label}: not in the result (steps: ${job.steps.map((s) => `${s.stage === 'main' ? '' : `${s.stage}:`}${s.id ?? s.name}`).join(', ') || 'none'})`);
      continue;
    }
    const why = actual.error ? ` (error: ${actual.error})` : '';
    if (step.outcome !== undefined && actual.outcome !== step.outcome) out.push(`${label}: outcome ${actual.outcome}, expected ${step.outcome}${why}`);
    if (step.conclusion !== undefined && actual.conclusion !== step.conclusion) out.push(`${label}: conclusion ${actual.conclusion}, expected ${step.conclusion}${why}`);
    if (step.error !== undefined && !(actual.error ?? '').includes(step.error)) out.push(`${label}: error ${show(actual.error ?? '')} does not contain ${show(step.error)}`);
    out.push(...compareOutputs(label, step.outputs, actual.outputs));
    for (const wanted of step.annotations ?? []) {
      const found = actual.annotations.some((a) => Object.entries(wanted).every(([k, v]) => (a as unknown as Record<string, unknown>)[k] === v));
      if (!found) out.push(`${label}: no annotation ${show(wanted)} (have ${show(actual.annotations)})`);
    }
  }
  if (expected.order) {
    const names = job.steps.map((s) => s.name);
    let at = -1;
    for (const wanted of expected.order) {
      const next = job.steps.findIndex((s, i) => i > at && (s.name === wanted || s.id === wanted));
      if (next < 0) {
        out.push(`${where}: steps not in the expected order ${show(expected.order)}: ${show(wanted)} missing after position ${at} (ran: ${show(names)})`);
        break;
      }
      at = next;
    }
  }
  return out;
}

/** The named jobs ran one after the other: no two of their [start, end) intervals overlap. */
function checkSerial(result: RunResult, names: string[]): string[] {
  const spans = names.map((n) => {
    const job = findJob(result, n);
    const start = job?.startedAt ? Date.parse(job.startedAt) : NaN;
    return { n, start, end: start + (job?.durationMs ?? 0) };
  });
  if (spans.some((s) => Number.isNaN(s.start))) return [`serial: no start time for ${spans.filter((s) => Number.isNaN(s.start)).map((s) => s.n).join(', ')}`];
  spans.sort((a, b) => a.start - b.start);
  const out: string[] = [];
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    if (spans[i]!.start < prev.end) out.push(`serial: '${spans[i]!.n}' started ${prev.end - spans[i]!.start}ms before '${prev.n}' ended`);
  }
  return out;
}

/** Every way the observed run differs from the case's expectation, one precise line each. */
export function compareRun(expect: Expectation, observed: RunObservation): string[] {
  const out: string[] = [];
  if (observed.timedOut) out.push(`kact did not finish within ${expect.timeout}s and was killed`);
  if (observed.exit !== expect.exit) out.push(`exit code ${observed.exit ?? `signal ${observed.signal}`}, expected ${expect.exit}`);
  const result = observed.result;
  const wantsResult = Object.keys(expect.jobs).length > 0;
  if (!result && wantsResult) out.push('no --json result was written');
  if (result) {
    for (const [name, job] of Object.entries(expect.jobs)) {
      const actual = findJob(result, name);
      if (!actual) out.push(`job '${name}': not in the result (jobs: ${result.jobs.map((j) => j.name).join(', ') || 'none'})`);
      else out.push(...compareJob(name, job, actual));
    }
    if (expect.serial) out.push(...checkSerial(result, expect.serial));
    if (expect.exactJobs) {
      const extra = result.jobs.filter((j) => !(j.name in expect.jobs));
      if (extra.length) out.push(`unexpected jobs in the result: ${extra.map((j) => j.name).join(', ')}`);
    }
  }
  for (const text of expect.logs.contains) if (!observed.output.includes(text)) out.push(`output lacks ${show(text)}`);
  for (const text of expect.logs.excludes) {
    const at = observed.output.indexOf(text);
    if (at >= 0) out.push(`output contains ${show(text)}: …${show(observed.output.slice(Math.max(0, at - 60), at + text.length + 20))}…`);
  }
  return out;
}
