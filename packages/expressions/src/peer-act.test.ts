// The act peer suite's expression cases (../shared/peer-suites/act/act-expr-cases.tsv beside the
// repository), run through the code path `kact eval` uses: evaluate() for an expression and
// interpolate() for a template (each row's mode says which).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, interpolate, type Contexts, type Value } from './index.js';

const suiteDir = fileURLToPath(new URL('../../../../shared/peer-suites/act/', import.meta.url));
const casesFile = `${suiteDir}act-expr-cases.tsv`;
const workspace = `${suiteDir}act-expr-testdata`;

interface Row {
  line: number;
  expression: string;
  expected: unknown;
  mode: 'evaluate' | 'interpolate';
  ctx: Contexts;
  notes: string;
}

/** The JSON object starting at `from` (the notes continue after it with `; setup: …`). */
function jsonObjectAt(text: string, from: number): string {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return text.slice(from, i + 1);
  }
  throw new Error(`unterminated ctx JSON in: ${text}`);
}

function readRows(): Row[] {
  if (!fs.existsSync(casesFile)) {
    throw new Error(`act peer suite not found at ${casesFile}: shared/ must sit beside the repository`);
  }
  const lines = fs.readFileSync(casesFile, 'utf8').split('\n');
  return lines.slice(1).flatMap((text, i) => {
    if (text === '') return [];
    const [expression = '', expected = '', notes = ''] = text.split('\t');
    const mode = /mode=(evaluate|interpolate)/.exec(notes)?.[1] as Row['mode'];
    const ctxAt = notes.indexOf('ctx=') + 'ctx='.length;
    const ctx = JSON.parse(jsonObjectAt(notes, ctxAt)) as Contexts;
    return [{ line: i + 2, expression, expected: JSON.parse(expected), mode, ctx, notes }];
  });
}

function run(row: Row): Value {
  const options = { status: 'success' as const, workspace };
  return row.mode === 'interpolate' ? interpolate(row.expression, row.ctx, options) : evaluate(row.expression, row.ctx, options);
}

/** Deep equality where {"$num":"NaN"} and {"$num":"Infinity"} stand for those numbers. */
function matches(actual: Value, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && '$num' in expected) {
    return Object.is(actual, Number((expected as { $num: string }).$num));
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i]!, e));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => k in actual && matches(actual[k]!, (expected as Record<string, unknown>)[k]));
  }
  return Object.is(actual, expected);
}

type Outcome = { ok: true } | { ok: false; detail: string };

function check(row: Row, expected: unknown): Outcome {
  const wantsError = expected !== null && typeof expected === 'object' && '$error' in expected;
  try {
    const actual = run(row);
    if (wantsError) return { ok: false, detail: `expected an error, got ${JSON.stringify(actual)}` };
    return matches(actual, expected) ? { ok: true } : { ok: false, detail: `got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}` };
  } catch (e) {
    if (wantsError && e instanceof ExpressionError) return { ok: true };
    return { ok: false, detail: `threw ${String(e)}` };
  }
}

/**
 * GITHUB-DIFF rows (act and GitHub disagree): the value GitHub gives, and why. Scored against
 * this value, never act's alone.
 */
const GITHUB_VALUES: Record<string, { value: unknown; why: string }> = {
  "fromJSON('[0,1]')[1.1]": { value: 1, why: 'GitHub floors a fractional index' },
  '(github.event.commits.*.author.username)[0]': { value: [], why: 'the filter continues through the parentheses; [0] of each string matches nothing' },
  'github.event.commits[0].author.username1 != github.event.commits[1].author.username2': { value: false, why: 'null == null' },
  'secrets != env': { value: true, why: 'two distinct objects are unequal; contexts always exist in GitHub' },
  'github.event.pull_request.labels.*.name': { value: [], why: 'a filter over null is an empty array' },
  [`contains(fromJSON('[{ "first": { "result": "success" }},{ "second": { "result": "success" }}]').first.result, 'success')`]: {
    value: false,
    why: '.first of an array is null without a *',
  },
  "format('{0} {1} {2} {3}', 1.0, 1.1, 1234567890.0, 12345678901234567890.0)": {
    value: '1 1.1 1234567890 1.23456789012346E+19',
    why: "the runner formats numbers with .NET G15, as act does (the JS library's toFixed(15) differs)",
  },
};

/** The hashFiles GITHUB-DIFF rows state GitHub's runner value in the notes. */
function githubValue(row: Row): unknown {
  const known = GITHUB_VALUES[row.expression];
  if (known) return known.value;
  const hash = /GitHub runner algorithm .* gives "([0-9a-f]{64})"/.exec(row.notes);
  return hash ? hash[1] : undefined;
}

/** ghlib=same rows that cannot pass, with the reason (empty: all pass). */
const CANNOT_PASS: Record<number, string> = {};

const rows = readRows();

describe('act peer suite: expression cases', () => {
  it('ghlib=same rows all pass', () => {
    const same = rows.filter((r) => r.notes.includes('ghlib=same') && !(r.line in CANNOT_PASS));
    const failures = same.flatMap((r) => {
      const o = check(r, r.expected);
      return o.ok ? [] : [`line ${r.line} ${r.mode} ${JSON.stringify(r.expression)}: ${o.detail}`];
    });
    const total = rows.filter((r) => r.notes.includes('ghlib=same')).length;
    console.log(`act expression cases (ghlib=same): ${same.length - failures.length}/${total} passed`);
    expect(failures).toEqual([]);
  });

  it('rows where both act and the library error also error here', () => {
    const errorRows = rows.filter((r) => r.notes.includes('ghlib=error too'));
    const failures = errorRows.flatMap((r) => (check(r, r.expected).ok ? [] : [`line ${r.line}: ${r.expression}`]));
    console.log(`act expression cases (ghlib=error too): ${errorRows.length - failures.length}/${errorRows.length} passed`);
    expect(errorRows.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('hashFiles rows that GitHub also answers "" pass', () => {
    const naRows = rows.filter((r) => r.notes.includes('ghlib=n/a'));
    const failures = naRows.flatMap((r) => (check(r, r.expected).ok ? [] : [`line ${r.line}: ${r.expression}`]));
    console.log(`act expression cases (ghlib=n/a, hashFiles): ${naRows.length - failures.length}/${naRows.length} passed`);
    expect(naRows.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('GITHUB-DIFF rows give GitHub’s value', () => {
    const diffRows = rows.filter((r) => r.notes.includes('GITHUB-DIFF'));
    const failures = diffRows.flatMap((r) => {
      const want = githubValue(r);
      if (want === undefined) return [`line ${r.line}: no GitHub value decided for ${r.expression}`];
      const o = check(r, want);
      return o.ok ? [] : [`line ${r.line} ${JSON.stringify(r.expression)}: ${o.detail}`];
    });
    const actAgrees = diffRows.filter((r) => check(r, r.expected).ok).length;
    console.log(
      `act expression cases (GITHUB-DIFF): ${diffRows.length - failures.length}/${diffRows.length} give GitHub's value; ${actAgrees} also equal act's`,
    );
    expect(diffRows.length).toBe(13);
    expect(failures).toEqual([]);
  });

  it('covers every row of the table', () => {
    const classified = rows.filter((r) => /ghlib=(same|error too|n\/a)|GITHUB-DIFF/.test(r.notes));
    expect(rows.length).toBe(518);
    expect(classified.length).toBe(rows.length);
  });
});
