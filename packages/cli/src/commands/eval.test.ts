import { describe, expect, it } from 'vitest';
import { isTemplate } from './eval.js';
import { formatEvalValue } from './eval-json.js';

describe('isTemplate', () => {
  it.each([
    ['node ${{ matrix.node }}', true],
    ['${{ 1 }}', true],
    ["${{ format('{0}', 'a') }} and ${{ 'b' }}", true],
    ["don't ${{ x }}", true],
    ["it's ${{ a }} and that's it", true],
    ["format('{0}', '${{ x }}')", false],
    ["'${{ x }}'", false],
    ["'it''s ${{ x }}' == 'a'", false],
    ['github.ref', false],
    ['1 ==', false],
  ])('%s → %s', (text, template) => {
    expect(isTemplate(text)).toBe(template);
  });
});

describe('formatEvalValue', () => {
  it('writes non-finite numbers as the runner does, bare alone and quoted inside JSON', () => {
    expect(formatEvalValue(Infinity)).toBe('Infinity');
    expect(formatEvalValue(-Infinity)).toBe('-Infinity');
    expect(formatEvalValue(NaN)).toBe('NaN');
    const nested = formatEvalValue({ a: [NaN, -Infinity], b: 1 });
    expect(JSON.parse(nested)).toEqual({ a: ['NaN', '-Infinity'], b: 1 });
  });

  it('writes finite numbers as the runner does, which stays JSON', () => {
    expect(formatEvalValue(12345678901234567890)).toBe('1.23456789012346E+19');
    expect(JSON.parse(formatEvalValue([1e21, 0.5]))).toEqual([1e21, 0.5]);
  });

  it('indents like JSON.stringify(value, null, 2) otherwise', () => {
    const value = { s: 'x "y"', n: null, t: true, e: [], o: {}, deep: { list: [1, 'two', { three: 3 }] } };
    expect(formatEvalValue(value)).toBe(JSON.stringify(value, null, 2));
    expect(formatEvalValue('plain')).toBe('"plain"');
  });
});
