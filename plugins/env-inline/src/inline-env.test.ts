import { describe, expect, it } from 'vitest';
import { TRICKY_VALUES } from '../test/tricky-values.js';
import { escapeEnvExpansion, InlineEnv } from './inline-env.js';

/**
 * The kubelet's expansion of an inline value (expansion.Expand with MappingFuncFor), ported
 * line for line so the escaping is checked against the rule rather than against itself.
 */
function kubeletExpand(input: string, declared: Record<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const closer = rest.indexOf(')', 1);
      if (closer === -1) out += '$(';
      else {
        const name = rest.slice(1, closer);
        out += name in declared ? declared[name] : `$(${name})`;
        advance = closer + 1;
      }
    } else {
      const next = String.fromCodePoint(rest.codePointAt(0)!);
      out += `$${next}`;
      advance = next.length;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

const declared = { b: 'EXPANDED', VAR: 'EXPANDED' };

describe('escapeEnvExpansion', () => {
  it('the port of the kubelet rule expands what kact must escape', () => {
    expect(kubeletExpand('a $(b) $$c $ d$', declared)).toBe('a EXPANDED $c $ d$');
    expect(kubeletExpand('$(missing) $(', declared)).toBe('$(missing) $(');
  });

  it.each(TRICKY_VALUES.map((value) => [value]))('the container sees %j exactly', (value) => {
    expect(kubeletExpand(escapeEnvExpansion(value), declared)).toBe(value);
  });

  it('survives expansion for every string of up to 7 characters of $ ( ) b', () => {
    const alphabet = ['$', '(', ')', 'b'];
    let values = [''];
    const failures: string[] = [];
    for (let length = 1; length <= 7; length++) {
      values = values.flatMap((v) => alphabet.map((c) => v + c));
      // One assertion for all: an expect per value would take most of the test's time.
      failures.push(...values.filter((value) => kubeletExpand(escapeEnvExpansion(value), declared) !== value));
    }
    expect(failures).toEqual([]);
  });

  it('doubles each dollar and leaves everything else alone', () => {
    expect(escapeEnvExpansion('a $(b) $$c $ d$')).toBe('a $$(b) $$$$c $$ d$$');
    expect(escapeEnvExpansion('no dollars "here"\n')).toBe('no dollars "here"\n');
  });
});

describe('InlineEnv', () => {
  const job = { podName: 'kact-1-build', namespace: 'ci', labels: { 'kact.dev/run-id': '1' } };

  it('writes each container’s env inline, escaped, and creates no object', () => {
    const delivered = new InlineEnv().deliver(job, [
      { container: 'runner', env: { CI: 'true', QUOTED: 'a "b" $(c)' } },
      { container: 'svc-redis', env: { 'odd name': '$' } },
      { container: 'helper', env: {} },
    ]);
    expect(delivered).toEqual({
      env: {
        runner: [
          { name: 'CI', value: 'true' },
          { name: 'QUOTED', value: 'a "b" $$(c)' },
        ],
        'svc-redis': [{ name: 'odd name', value: '$$' }],
        helper: [],
      },
      objects: [],
    });
  });
});
