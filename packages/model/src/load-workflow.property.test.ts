/**
 * Hostile input for the workflow loader (issue 14), property-based: whatever a file holds, loading
 * it gives a Workflow or an InputError whose every diagnostic names the file and a line, never
 * another exception, a hang or exhausted memory. Each property runs a bounded number of cases;
 * a failure prints fast-check's seed and path, which reproduce it (`fc.assert(…, { seed, path })`).
 */
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { isInputError, loadAction, loadWorkflowFile, type Diagnostic, type RunStep, type StepsJob, type Workflow } from './index.js';
import { MAX_INPUT_FILE_BYTES } from './repo-path.js';
import { MAX_ALIAS_COUNT } from './yaml-source.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kact-model-property-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `content` as wf.yml and loads it: the Workflow, or the diagnostics of the InputError. */
async function load(content: string, file = 'wf.yml'): Promise<{ workflow?: Workflow; diagnostics?: Diagnostic[] }> {
  await writeFile(path.join(root, file), content);
  try {
    return { workflow: await loadWorkflowFile(path.join(root, file), { repoRoot: root }) };
  } catch (err) {
    if (!isInputError(err)) throw new Error(`not an InputError: ${String(err)}`, { cause: err });
    return { diagnostics: err.diagnostics };
  }
}

/** Every diagnostic is located in the file, at a line of it, with a message. */
function expectLocated(diagnostics: Diagnostic[], content: string, file = 'wf.yml') {
  expect(diagnostics.length).toBeGreaterThan(0);
  const lines = content.split(/\r\n|\r|\n/).length;
  for (const d of diagnostics) {
    expect(d.message.trim()).not.toBe('');
    expect(d.location?.file).toBe(file);
    expect(d.location!.line).toBeGreaterThanOrEqual(1);
    expect(d.location!.line).toBeLessThanOrEqual(lines + 1);
  }
}

const VALID = `on: push
env:
  A: one
jobs:
  build:
    runs-on: ubuntu-latest
    env: { B: two }
    strategy:
      matrix:
        os: [a, b]
    steps:
      - id: s
        run: echo "\${{ matrix.os }}"
      - uses: ./local
        with:
          x: 1
`;

/** Pieces YAML and workflows are made of, to stitch into near-misses of real files. */
const FRAGMENTS = [
  'on: push\n', 'jobs:\n', '  build:\n', '    runs-on: ubuntu-latest\n', '    steps:\n', '      - run: echo hi\n', '      - uses: ./x\n',
  '    needs: [build]\n', '    if: ${{ always() }}\n', '    strategy: { matrix: { x: [1, 2] } }\n', '    env:\n', '      A: ${{ secrets.X }}\n',
  'env: &e { A: 1 }\n', 'x: *e\n', '<<: *e\n', '*e', '&a ', '*a', '!!str ', '!tag ', '%YAML 1.2\n', '---\n', '...\n', '? ', ': ', '- ', '[', ']', '{', '}', ',',
  '"', "'", '|\n', '>-\n', '#', '\t', ' ', '  ', '\n', '\r\n', '${{', '}}', '(', ')', 'github.event', '\u0000', '\uFEFF', '\u2028', 'é', '😀', 'null', '~', '0x1F', '1e400',
];
const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join(''));
/** A valid workflow with a few pieces cut out or stitched in. */
const mutated = fc
  .array(fc.tuple(fc.nat(VALID.length), fc.nat(12), fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constant(''))), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce((text, [at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut), VALID));
const anyText = fc.oneof(soup, mutated, fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 }));

describe('loadWorkflowFile on arbitrary input (property-based)', () => {
  it('gives a Workflow or an InputError located in the file, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (content) => {
        const { diagnostics } = await load(content);
        if (diagnostics) expectLocated(diagnostics, content);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('keeps env values and run scripts exactly as written, whatever their characters', async () => {
    // Any names (also ones an object holds: __proto__), any text but `${{`, which GitHub evaluates.
    const name = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a b', 'é'));
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('${{'));
    const script = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((s) => !s.includes('${{') && s.trim() !== '');
    // Names unique whatever their case: GitHub's env keys are case-insensitive (`c` and `C` is an error, below).
    const envs = fc.uniqueArray(fc.tuple(name, text), { selector: ([k]) => k.toLowerCase(), maxLength: 6 }).map((entries) => Object.fromEntries(entries));
    await fc.assert(
      fc.asyncProperty(envs, script, async (env, run) => {
        const content = stringify({ on: 'push', env, jobs: { build: { 'runs-on': 'ubuntu-latest', env, steps: [{ run }] } } });
        const { workflow, diagnostics } = await load(content);
        expect(diagnostics, content).toBeUndefined();
        expect(Object.keys(workflow!.env)).toEqual(Object.keys(env));
        expect({ ...workflow!.env }).toEqual({ ...env });
        const job = workflow!.jobs[0] as StepsJob;
        expect({ ...job.env }).toEqual({ ...env });
        expect((job.steps[0] as RunStep).run).toBe(run);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('refuses env names that differ only in case, at the second, as GitHub does', async () => {
    const { diagnostics } = await load('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      c: one\n      C: two\n    steps:\n      - run: "true"\n');
    expect(diagnostics).toEqual([expect.objectContaining({ message: "'C' is already defined", location: expect.objectContaining({ line: 7 }) })]);
  });
});

/** `depth` anchors, each a list of `breadth` aliases of the one before: breadth^depth scalars once expanded. */
function aliasBomb(depth: number, breadth: number, placement: 'top' | 'env' | 'matrix'): string {
  const lines = ['a0: &a0 [lol, lol, lol]'];
  for (let i = 1; i <= depth; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: breadth }, () => `*a${i - 1}`).join(', ')}]`);
  const last = `*a${depth}`;
  const job = ['jobs:', '  build:', '    runs-on: ubuntu-latest'];
  if (placement === 'env') job.push(`    env: { X: ${last} }`);
  if (placement === 'matrix') job.push('    strategy:', `      matrix: { x: ${last} }`);
  job.push('    steps:', '      - run: echo hi');
  return ['on: push', ...(placement === 'top' ? [...lines, `bomb: ${last}`] : lines), ...job].join('\n') + '\n';
}

describe('resource limits (property-based)', () => {
  it('an alias bomb is refused at once, located at an alias, instead of expanding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 10 }), fc.integer({ min: 4, max: 12 }), fc.constantFrom('top' as const, 'env' as const, 'matrix' as const), async (depth, breadth, placement) => {
        const content = aliasBomb(depth, breadth, placement);
        const started = Date.now();
        const { diagnostics } = await load(content);
        expect(Date.now() - started, 'milliseconds to refuse it').toBeLessThan(3000);
        expectLocated(diagnostics!, content);
        expect(diagnostics![0]!.message).toMatch(/YAML aliases expand to too much data/);
        expect(content.split('\n')[diagnostics![0]!.location!.line - 1]).toContain('*a');
      }),
      { numRuns: 30 },
    );
  }, 60_000);

  it('an action.yml alias bomb too', async () => {
    const dir = path.join(root, 'bomb-action');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const bomb = aliasBomb(9, 9, 'top').replace(/^on: push\n/, 'name: x\nruns: { using: composite, steps: [] }\n').replace(/jobs:[\s\S]*$/, '');
    await writeFile(path.join(dir, 'action.yml'), bomb);
    const started = Date.now();
    await expect(loadAction(dir, { repoRoot: root })).rejects.toThrow(/bomb-action\/action\.yml:\d+:\d+: YAML aliases expand to too much data/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('anchors as workflows use them still load: one shared env in up to 40 jobs, each a copy', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (jobs) => {
        const lines = ['on: push', 'jobs:'];
        for (let i = 0; i < jobs; i++) lines.push(`  j${i}:`, '    runs-on: ubuntu-latest', i === 0 ? '    env: &shared { A: one, B: two }' : '    env: *shared', '    steps: [{ run: echo }]');
        const { workflow, diagnostics } = await load(lines.join('\n') + '\n');
        expect(diagnostics).toBeUndefined();
        expect(workflow!.jobs.map((j) => ({ ...(j as StepsJob).env }))).toEqual(Array.from({ length: jobs }, () => ({ A: 'one', B: 'two' })));
      }),
      { numRuns: 8 },
    );
  }, 60_000);

  it(`more aliases of one value than ${MAX_ALIAS_COUNT} in a matrix is refused with a clear error, not a crash`, async () => {
    const content = `on: push\nx: &v hello\njobs:\n  build:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        v: [${Array.from({ length: MAX_ALIAS_COUNT + 1 }, () => '*v').join(', ')}]\n    steps: [{ run: echo }]\n`;
    const { diagnostics } = await load(content);
    expectLocated(diagnostics!, content);
    expect(diagnostics![0]!.message).toMatch(/YAML aliases expand to too much data/);
  });

  it('a huge file is refused before it is read, naming the file and the limit', async () => {
    // Sparse: 512 MiB on the file system's books, no data written, nothing to read.
    const handle = await open(path.join(root, 'huge.yml'), 'w');
    await handle.truncate(512 * 1024 * 1024);
    await handle.close();
    const started = Date.now();
    await expect(loadWorkflowFile(path.join(root, 'huge.yml'), { repoRoot: root })).rejects.toThrow(
      `huge.yml:1:1: file too large: kact reads workflow and action files of at most ${MAX_INPUT_FILE_BYTES} bytes (1 MiB); this one has ${512 * 1024 * 1024} bytes`,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a file that never ends (/dev/zero) is refused after the limit, not read forever', async () => {
    const started = Date.now();
    await expect(loadWorkflowFile('/dev/zero', { repoRoot: root })).rejects.toThrow(/dev\/zero:1:1: file too large: .* this one has more$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
