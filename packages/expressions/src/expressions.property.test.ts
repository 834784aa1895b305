/**
 * Hostile input for the expression evaluator (issue 14), property-based: any text as an
 * expression, a template or an `if:` gives a value or an ExpressionError (which the CLI reports as
 * bad input, exit 2), never another exception; and the JSON and format() functions keep what they
 * are given. Each property runs a bounded number of cases; a failure prints fast-check's seed and
 * path, which reproduce it (`fc.assert(…, { seed, path })`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCondition, evaluateDeep, evaluateTemplate, ExpressionError, interpolate, validateExpression, type Contexts, type Value } from './index.js';

const contexts: Contexts = {
  github: { event_name: 'push', ref: 'refs/heads/main', event: { commits: [{ id: 'a', message: 'x' }, { id: 'b' }], number: 7, nested: { deep: [1, [2, [3]]] } } },
  env: { NAME: 'value', EMPTY: '', NUM: '3' },
  matrix: { os: 'ubuntu', node: 20, list: [1, 'two', null, true] },
  steps: { s: { outputs: { json: '{"a":[1,2],"b":{"c":null}}', text: 'hello' }, outcome: 'success' } },
  inputs: { flag: true, n: 1.5 },
};

/** A string literal of the expression language. */
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** What expressions are made of, to stitch into near-misses and nonsense. */
const TOKENS = [
  'github', 'env', 'matrix', 'steps', 'inputs', 'secrets', 'vars', 'needs', 'job', 'runner', 'strategy', 'unknown', '.', '.event', '.commits', '*', '[', ']', '(', ')',
  '[0]', "['x']", ',', ' ', '  ', '\n', '\t', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '!', '-', '+', '1', '0', '-1', '1.5', '1e3', '0x1F', 'NaN', 'Infinity',
  'true', 'false', 'null', "'", "''", "'a'", "'}}'", "'${{'", '"', 'format(', 'fromJSON(', 'toJSON(', 'contains(', 'startsWith(', 'endsWith(', 'join(', 'hashFiles(',
  'success()', 'failure()', 'always()', 'cancelled()', "'{0}'", "'{'", "'}'", "'{{'", "'{1}'", '${{', '}}', 'é', '😀', '\u0000', '\\',
];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((t) => t.join(''));
const anyText = fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: fc.constantFrom('(', ')', '!', '[', ']', "'", '.', 'a', ' ', '{', '}', '$'), maxLength: 200 }));

/** Only ExpressionError may come out; anything else fails the property with what it was. */
function onlyExpressionErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw new Error(`not an ExpressionError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    expect(err.kind).toBe('input');
    expect(err.message.trim()).not.toBe('');
  }
}

describe('arbitrary text (property-based)', () => {
  it('as an expression: a value or an ExpressionError', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        onlyExpressionErrors(() => validateExpression(text));
        onlyExpressionErrors(() => evaluate(text, contexts));
      }),
      { numRuns: 300 },
    );
  });

  it('as a template, a value of a mapping or an if: condition: a value or an ExpressionError', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const template = `${a}\${{ ${b} }}${a}`;
        for (const text of [a, template, `\${{ ${a} }}`]) {
          onlyExpressionErrors(() => interpolate(text, contexts));
          onlyExpressionErrors(() => evaluateTemplate(text, contexts));
          onlyExpressionErrors(() => evaluateCondition(text, contexts, { status: 'failure' }));
          onlyExpressionErrors(() => evaluateDeep({ [text]: [text, { k: text }] }, contexts));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('any contexts: lookups into arbitrary data give a value or an ExpressionError', () => {
    const path = fc.array(fc.oneof(fc.string({ maxLength: 6 }).map((k) => `[${JSON.stringify(k).replaceAll("'", "''").replace(/^"|"$/g, "'")}]`), fc.nat(3).map((i) => `[${i}]`), fc.constant('.*')), { maxLength: 4 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), path, (value, steps) => {
        const ctx: Contexts = { inputs: { x: value as Value } };
        onlyExpressionErrors(() => evaluate(`inputs.x${steps.join('')}`, ctx));
        onlyExpressionErrors(() => interpolate(`a \${{ inputs.x${steps.join('')} }} b`, ctx));
      }),
      { numRuns: 200 },
    );
  });
});

/** Keys an object holds already (`__proto__`, `constructor`): a lookup table keyed by them goes wrong. */
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'));
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 12 }),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));

describe('context lookups (property-based)', () => {
  it("finds every key it holds, also __proto__ or constructor, and null for keys it lacks", () => {
    fc.assert(
      fc.property(fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 5 }), key, (given, other) => {
        const values = JSON.parse(JSON.stringify(given)) as Record<string, string>;
        const keys = Object.keys(values);
        fc.pre(new Set(keys.map((k) => k.toLowerCase())).size === keys.length);
        for (const k of keys) expect(evaluate(`inputs[${quote(k)}]`, { inputs: values })).toBe(values[k]);
        if (!keys.some((k) => k.toLowerCase() === other.toLowerCase())) expect(evaluate(`inputs[${quote(other)}]`, { inputs: values })).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});

/** JSON as GitHub's dictionaries keep it: keys are case-insensitive, so keep one spelling each; -0 is 0. */
const jsonValue = fc.oneof(json, fc.jsonValue({ maxDepth: 4 })).map((v) => JSON.parse(JSON.stringify(v)) as Value).filter(function keysDistinct(v: Value): boolean {
  if (Array.isArray(v)) return v.every(keysDistinct);
  if (v === null || typeof v !== 'object') return true;
  const keys = Object.keys(v);
  return new Set(keys.map((k) => k.toLowerCase())).size === keys.length && Object.values(v).every(keysDistinct);
});

describe('JSON functions (property-based)', () => {
  it('fromJSON(toJSON(x)) is x, keys such as __proto__ or constructor included', () => {
    fc.assert(
      fc.property(jsonValue, (x) => {
        // As JSON text: every key in its order (toStrictEqual would compare an own `constructor` key as the type).
        expect(JSON.stringify(evaluate('fromJSON(toJSON(inputs.x))', { inputs: { x } }))).toBe(JSON.stringify(x));
      }),
      { numRuns: 300 },
    );
  });

  it('toJSON(fromJSON(text)) is the text pretty-printed with two spaces, as the runner prints it', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(0, 2, 4), (x, indent) => {
        const text = JSON.stringify(x, null, indent);
        expect(evaluate('toJSON(fromJSON(inputs.text))', { inputs: { text } })).toBe(JSON.stringify(x, null, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('a template that is one fromJSON(…) yields the typed value', () => {
    fc.assert(
      fc.property(jsonValue, (x) => {
        expect(JSON.stringify(evaluateTemplate('${{ fromJSON(env.X) }}', { env: { X: JSON.stringify(x) } }))).toBe(JSON.stringify(x));
      }),
      { numRuns: 100 },
    );
  });
});

/** `{` and `}` doubled: format() prints them as single braces. */
const escapeBraces = (s: string) => s.replace(/[{}]/g, (c) => c + c);

describe('format() (property-based)', () => {
  it('format(escaped text) is the text, whatever braces and quotes it holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        expect(evaluate(`format(${quote(escapeBraces(s))})`, {})).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('each {n} is replaced by its argument, in any order and repeated', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(4), { maxLength: 8 }), fc.string({ maxLength: 5 }), (args, picks, glue) => {
        const used = picks.map((i) => i % args.length);
        const template = used.map((i) => `{${i}}`).join(escapeBraces(glue));
        const expected = used.map((i) => args[i]).join(glue);
        expect(evaluate(`format(${[quote(template), ...args.map(quote)].join(', ')})`, {})).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
