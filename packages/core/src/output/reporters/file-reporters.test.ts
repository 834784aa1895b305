import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretMasker } from '../secret-masker.js';
import { jobResult, runResult, stepResult } from './fixtures.js';
import { JsonReporter } from './json-reporter.js';
import { JUnitReporter, toJUnitXml } from './junit-reporter.js';

const dir = mkdtempSync(join(tmpdir(), 'kact-reporters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'sup3r-s3cret';

function sampleRun() {
  const build = jobResult({
    outputs: { version: '1.2.3', token: SECRET },
    matrix: { node: 20 },
    steps: [
      stepResult({ index: 0, id: 'ver', name: 'Run ./version.sh', outputs: { version: '1.2.3', leaked: `x${SECRET}x` }, startedAt: '2026-01-01T00:00:01.000Z' }),
      stepResult({
        index: 1,
        name: 'Run make <all> & "test"',
        outcome: 'failure',
        conclusion: 'failure',
        error: 'Process completed with exit code 2.',
        annotations: [{ level: 'error', message: `undefined: foo ${SECRET}`, file: 'main.go', line: 3, col: 7 }],
      }),
      stepResult({ index: 2, name: 'Run deploy', outcome: 'skipped', conclusion: 'skipped', durationMs: 0 }),
    ],
    result: 'failure',
  });
  const lint = jobResult({ key: 'lint', jobId: 'lint', name: 'lint', steps: [stepResult({ name: 'Run lint\u001b[31m' })], summary: '# ok' });
  const never = jobResult({ key: 'pod', jobId: 'pod', name: 'pod', steps: [], result: 'failure', error: 'image "nope:1" not found' });
  return runResult([build, lint, never]);
}

function masker(): SecretMasker {
  const m = new SecretMasker();
  m.add(SECRET);
  return m;
}

describe('JsonReporter', () => {
  it('writes the full result with outputs, outcomes and timings', () => {
    const path = join(dir, 'nested', 'run.json');
    new JsonReporter(path, { masker: masker() }).runFinished(sampleRun());
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc.version).toBe(1);
    expect(doc.jobs[0].outputs.version).toBe('1.2.3');
    expect(doc.jobs[0].steps[0]).toMatchObject({ id: 'ver', outcome: 'success', durationMs: 1200, outputs: { version: '1.2.3' } });
    expect(doc.jobs[0].steps[1]).toMatchObject({ outcome: 'failure', error: 'Process completed with exit code 2.' });
    expect(doc.durationMs).toBe(5000);
  });

  it('never writes a secret, even one that reached a step output', () => {
    const path = join(dir, 'masked.json');
    new JsonReporter(path, { masker: masker() }).runFinished(sampleRun());
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).jobs[0].steps[0].outputs.leaked).toBe('x***x');
  });
});

describe('JUnitReporter', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

  it('writes well-formed XML: a testsuite per job, a testcase per step, with counts that add up', () => {
    const path = join(dir, 'junit.xml');
    new JUnitReporter(path, { masker: masker() }).runFinished(sampleRun());
    const xml = readFileSync(path, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s: { name: string }) => s.name)).toEqual(['.github/workflows/ci.yml/build', '.github/workflows/ci.yml/lint', '.github/workflows/ci.yml/pod']);
    expect(doc.testsuites).toMatchObject({ tests: '5', failures: '2', skipped: '1' });
    expect(suites[0]).toMatchObject({ tests: '3', failures: '1', skipped: '1', time: '3.400' });
    expect(suites[0].testcase.map((c: { name: string }) => c.name)).toEqual(['Run ./version.sh', 'Run make <all> & "test"', 'Run deploy']);
  });

  it('puts the error and error annotations in <failure>, and marks skipped steps', () => {
    const doc = parser.parse(toJUnitXml(sampleRun()));
    const [ok, failed, skipped] = doc.testsuites.testsuite[0].testcase;
    expect(ok.failure).toBeUndefined();
    expect(failed.failure.message).toBe('Process completed with exit code 2.');
    expect(failed.failure['#text']).toContain('error: main.go:3:7: undefined: foo');
    expect(skipped.skipped).toBeDefined();
  });

  it('reports a job that failed before any step as a failed testcase', () => {
    const doc = parser.parse(toJUnitXml(sampleRun()));
    const pod = doc.testsuites.testsuite[2];
    expect(pod.testcase).toHaveLength(1);
    expect(pod.testcase[0].failure.message).toBe('image "nope:1" not found');
  });

  it('strips characters XML cannot hold (escape codes) and never writes a secret', () => {
    const xml = toJUnitXml(sampleRun(), masker());
    expect(xml).not.toContain('\u001b');
    expect(xml).not.toContain(SECRET);
    expect(XMLValidator.validate(xml)).toBe(true);
  });
});
