import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, validateExpression } from './index.js';

function errorOf(f: () => unknown): ExpressionError {
  try {
    f();
  } catch (e) {
    if (e instanceof ExpressionError) return e;
    throw new Error(`expected an ExpressionError, got ${String(e)}`);
  }
  throw new Error('expected an ExpressionError, nothing was thrown');
}

describe('expression errors', () => {
  it.each([
    ['1 +', /Invalid expression '1 \+'.*Unexpected symbol/],
    ['(1 == 1', /Invalid expression '\(1 == 1'/],
    ["'unterminated", /Invalid expression 'unterminated|'unterminated/],
    ['foo(1)', /Unrecognized function: 'foo'/],
    ['contains(1)', /Too few parameters supplied: 'contains'/],
    ["startsWith('a', 'b', 'c')", /Too many parameters supplied: 'startsWith'/],
    ['success(1)', /Too many parameters supplied: 'success'/],
    ['hashFiles()', /Too few parameters supplied: 'hashFiles'/],
    ["case(true, 'a', false, 'b')", /Even number of parameters/],
    ['unknownctx.value', /Unrecognized named-value: 'unknownctx'/],
    ['null.x', /Invalid expression 'null\.x'/],
    ['', /an expression was expected/],
    ['1 2', /Unexpected symbol/],
  ])('validateExpression(%j) throws a readable ExpressionError', (expression, message) => {
    const e = errorOf(() => validateExpression(expression));
    expect(e.message).toMatch(message);
    expect(e.kind).toBe('input');
    expect(e.diagnostics.length).toBeGreaterThan(0);
  });

  it.each([
    ["fromJSON('not json')", /Error evaluating expression 'fromJSON\('not json'\)'/],
    ["fromJSON('')", /empty input/],
    ["format('{1}', 'a')", /references more arguments than were supplied/],
    ["format('{0', 'a')", /format string is invalid/],
    ["case(1, 'a', 'b')", /predicate must evaluate to a boolean/],
    ["hashFiles('*.txt')", /hashFiles\(\) is unavailable/],
  ])('evaluate(%j) throws at evaluation time', (expression, message) => {
    expect(errorOf(() => evaluate(expression, {})).message).toMatch(message);
  });

  it('accepts valid expressions silently', () => {
    expect(() => validateExpression("success() && contains(github.ref, 'main') || hashFiles('**/x')")).not.toThrow();
    expect(() => validateExpression('Always() || toJSON(secrets.TOKEN)')).not.toThrow();
  });
});
