import { describe, expect, it } from 'vitest';
import { containsExpression, evaluateDeep, evaluateTemplate, ExpressionError, interpolate, splitTemplate, type Contexts } from './index.js';

const ctx: Contexts = {
  env: { NAME: 'world', N: '3' },
  matrix: { node: 20, os: 'linux', tags: ['a', 'b'] },
  github: { event: { pr: { number: 7 } } },
  inputs: { flag: true },
};

describe('splitTemplate', () => {
  it.each([
    ['plain text', [{ kind: 'literal', text: 'plain text' }]],
    ['${{ a }}', [{ kind: 'expression', expression: ' a ' }]],
    ['x ${{ a }} y', [{ kind: 'literal', text: 'x ' }, { kind: 'expression', expression: ' a ' }, { kind: 'literal', text: ' y' }]],
    ["${{ '}}' }}", [{ kind: 'expression', expression: " '}}' " }]],
    ["${{ 'it''s }}' }}!", [{ kind: 'expression', expression: " 'it''s }}' " }, { kind: 'literal', text: '!' }]],
    ['${{a}}${{b}}', [{ kind: 'expression', expression: 'a' }, { kind: 'expression', expression: 'b' }]],
    ['$ {{ not }}', [{ kind: 'literal', text: '$ {{ not }}' }]],
    ['', []],
  ])('%j', (text, parts) => {
    expect(splitTemplate(text)).toEqual(parts);
  });

  it('rejects an unterminated ${{ with an ExpressionError naming the text', () => {
    expect(() => splitTemplate('echo ${{ env.NAME')).toThrow(ExpressionError);
    expect(() => splitTemplate('echo ${{ env.NAME')).toThrow(/echo \$\{\{ env\.NAME.*closing '}}'/);
    expect(() => splitTemplate("${{ 'open string }}")).toThrow(ExpressionError);
  });

  it('containsExpression finds ${{ only', () => {
    expect(containsExpression('a ${{ b }}')).toBe(true);
    expect(containsExpression('a ${ b }')).toBe(false);
    expect(containsExpression('{{ b }}')).toBe(false);
  });
});

describe('evaluateTemplate', () => {
  it.each([
    ['no expressions here', 'no expressions here'],
    ['${{ matrix.node }}', 20],
    // Text around the one expression, even blanks, makes a string, as GitHub's parser does: format('  {0}  ', …).
    ['  ${{ matrix.node }}  ', '  20  '],
    ['${{ inputs.flag }}', true],
    ['${{ matrix.tags }}', ['a', 'b']],
    ['${{ env.MISSING }}', null],
    ['node ${{ matrix.node }}', 'node 20'],
    ['${{ matrix.node }}${{ matrix.os }}', '20linux'],
    ["Hello ${{ env.NAME }}, it's ${{ 'a ''quoted'' }} word' }}", "Hello world, it's a 'quoted' }} word"],
    ['tags: ${{ matrix.tags }}', 'tags: Array'],
    ['pr #${{ github.event.pr.number }}', 'pr #7'],
    ['${{ 1e21 }} x', '1E+21 x'],
    ['[${{ env.MISSING }}]', '[]'],
  ])('%j', (text, expected) => {
    expect(evaluateTemplate(text, ctx)).toEqual(expected);
  });
});

describe('interpolate', () => {
  it.each([
    ['${{ matrix.node }}', '20'],
    ['${{ inputs.flag }}', 'true'],
    ['${{ env.MISSING }}', ''],
    ['${{ matrix.tags }}', '[\n  "a",\n  "b"\n]'],
    [' ${{ env.NAME }} ', ' world '],
    ['$text ${text}', '$text ${text}'],
    ['${{ env.N }} + 1', '3 + 1'],
  ])('%j', (text, expected) => {
    expect(interpolate(text, ctx)).toBe(expected);
  });

  it('keeps the lines and indentation of a block scalar', () => {
    const script = 'set -e\nif [ "${{ matrix.os }}" = linux ]; then\n    echo "${{ env.NAME }}"\n  fi\n\n# node ${{ matrix.node }}\n';
    expect(interpolate(script, ctx)).toBe('set -e\nif [ "linux" = linux ]; then\n    echo "world"\n  fi\n\n# node 20\n');
  });

  it('handles an expression spread over several lines', () => {
    expect(interpolate("a ${{\n  format('{0}-{1}',\n    env.NAME, matrix.node)\n}} b", ctx)).toBe('a world-20 b');
  });

  it('reports a bad expression inside a template with its text', () => {
    expect(() => interpolate('x ${{ nope() }}', ctx)).toThrow(/nope\(\)/);
    expect(() => interpolate('x ${{ }}', ctx)).toThrow(ExpressionError);
  });
});

describe('evaluateDeep', () => {
  it('evaluates strings, sequences and mappings, keys interpolated too', () => {
    const input = {
      name: 'build-${{ matrix.os }}',
      node: '${{ matrix.node }}',
      list: ['${{ env.NAME }}', 'plain', 5, true, null, ['${{ inputs.flag }}']],
      'key-${{ env.NAME }}': { nested: '${{ github.event.pr.number }}' },
    };
    expect(evaluateDeep(input, ctx)).toEqual({
      name: 'build-linux',
      node: 20,
      list: ['world', 'plain', 5, true, null, [true]],
      'key-world': { nested: 7 },
    });
  });

  it('merges the mapping of an ${{ insert }} key in place, literal or from an expression', () => {
    const input = { key1: 'v1', '${{insert}}': { key2: '${{ env.NAME }}' }, '${{ insert }}': "${{ fromJSON('{\"key3\":\"v3\",\"key1\":\"over\"}') }}" };
    expect(evaluateDeep(input, ctx)).toEqual({ key1: 'over', key2: 'world', key3: 'v3' });
    expect(() => evaluateDeep({ '${{ insert }}': '${{ env.NAME }}' }, ctx)).toThrow(/insert }} needs a mapping to insert, got string/);
    expect(() => evaluateDeep({ '${{ insert }}': [1] }, ctx)).toThrow(/got a sequence/);
  });

  it('passes scalars through and maps undefined to null', () => {
    expect(evaluateDeep(12, ctx)).toBe(12);
    expect(evaluateDeep(false, ctx)).toBe(false);
    expect(evaluateDeep(undefined, ctx)).toBeNull();
    expect(evaluateDeep('x', ctx)).toBe('x');
  });
});
