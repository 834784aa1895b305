import { describe, expect, it } from 'vitest';
import { evaluateCondition, ExpressionError, type Contexts, type JobStatus } from './index.js';

const ctx: Contexts = { github: { ref: 'refs/heads/main', event_name: 'push' }, env: { SKIP: 'false', ZERO: '0' }, steps: { a: { outcome: 'failure' } } };

type Case = [condition: string | undefined, status: JobStatus, expected: boolean];

const cases: Case[] = [
  [undefined, 'success', true],
  [undefined, 'failure', false],
  ['', 'success', true],
  ['  ', 'cancelled', false],
  ["github.ref == 'refs/heads/main'", 'success', true],
  ["github.ref == 'refs/heads/main'", 'failure', false],
  ["github.ref == 'refs/heads/main'", 'cancelled', false],
  ["${{ github.ref == 'refs/heads/main' }}", 'success', true],
  ["  ${{ github.ref == 'refs/heads/dev' }}  ", 'success', false],
  ['always()', 'failure', true],
  ['always()', 'cancelled', true],
  ['failure()', 'failure', true],
  ['failure()', 'success', false],
  ['cancelled()', 'cancelled', true],
  ['success()', 'failure', false],
  ["failure() && steps.a.outcome == 'failure'", 'failure', true],
  ["always() && github.event_name == 'pull_request'", 'failure', false],
  ["!cancelled() && github.event_name == 'push'", 'failure', true],
  ['${{ failure() }}', 'failure', true],
  ["contains('x', 'x') || failure()", 'failure', true],
  ['Always()', 'cancelled', true],
  ["env.SKIP != 'true'", 'success', true],
  ['env.ZERO', 'success', true],
  ['0', 'success', false],
  ["''", 'success', false],
  ['null', 'success', false],
  ["'false'", 'success', true],
  ['steps.missing.outcome', 'success', false],
  ["${{ github.event_name }} == 'push'", 'success', true],
  ["${{ github.event_name }} == 'push'", 'failure', false],
];

describe('evaluateCondition', () => {
  it.each(cases)('if: %j under %s → %s', (condition, status, expected) => {
    expect(evaluateCondition(condition, ctx, { status })).toBe(expected);
  });

  it('does not evaluate the expression when the implicit success() is false', () => {
    // fromJSON('') would throw if it ran
    expect(evaluateCondition("fromJSON('')", ctx, { status: 'failure' })).toBe(false);
  });

  it('rejects bad syntax and unknown functions with an ExpressionError', () => {
    expect(() => evaluateCondition('github.ref ==', ctx)).toThrow(ExpressionError);
    expect(() => evaluateCondition('succeeded()', ctx)).toThrow(/Unrecognized function: 'succeeded'/);
  });
});
