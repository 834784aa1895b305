import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, interpolate, splitTemplate, type TemplatePart } from './index.js';

/** Literal text that never forms `${{`. */
const literalText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '$', '{', '}', "'", 'x', '\t') }).filter((s) => !s.includes('${{'));

/** A string literal (any text, quotes doubled) or an identifier path. */
const stringLiteral = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '}', '{', "'", '$', '\n') }).map((s) => `'${s.replaceAll("'", "''")}'`);
const identifier = fc.constantFrom('github.ref', 'env.NAME', 'matrix.os', 'inputs.x');
const expression = fc.tuple(fc.constantFrom('', ' ', '  '), fc.oneof(stringLiteral, identifier), fc.constantFrom('', ' ', '\n')).map(([a, e, b]) => `${a}${e}${b}`);

/** The literal stretches of a template as they read once joined (adjacent literals run together). */
const literalRuns = (parts: TemplatePart[]) =>
  parts.reduce<string[]>((runs, p, i) => (p.kind !== 'literal' ? runs : parts[i - 1]?.kind === 'literal' ? [...runs.slice(0, -1), runs.at(-1)! + p.text] : [...runs, p.text]), []);

// Two literals can join into `${{` ('$' then '{{'): such a text is not a template of these parts.
const template = fc
  .array(fc.oneof(literalText.map((text) => ({ kind: 'literal', text }) as TemplatePart), expression.map((e) => ({ kind: 'expression', expression: e }) as TemplatePart)), { maxLength: 6 })
  .filter((parts) => literalRuns(parts).every((run) => !run.includes('${{')));

const join = (parts: TemplatePart[]) => parts.map((p) => (p.kind === 'literal' ? p.text : `\${{${p.expression}}}`)).join('');

describe('splitTemplate (property-based)', () => {
  it('joining the parts back reproduces the input', () => {
    fc.assert(
      fc.property(template, (parts) => {
        const text = join(parts);
        expect(join(splitTemplate(text))).toBe(text);
      }),
    );
  });

  it('finds exactly the generated expressions, in order', () => {
    fc.assert(
      fc.property(template, (parts) => {
        const found = splitTemplate(join(parts)).filter((p) => p.kind === 'expression');
        expect(found).toEqual(parts.filter((p) => p.kind === 'expression'));
      }),
    );
  });

  it('never yields two adjacent literal parts or an empty literal', () => {
    fc.assert(
      fc.property(template, (parts) => {
        const split = splitTemplate(join(parts));
        split.forEach((p, i) => {
          if (p.kind === 'literal') {
            expect(p.text).not.toBe('');
            expect(split[i + 1]?.kind).not.toBe('literal');
          }
        });
      }),
    );
  });

  it('interpolating literal-only text is the identity', () => {
    fc.assert(
      fc.property(literalText, (text) => {
        expect(interpolate(text, {})).toBe(text);
      }),
    );
  });

  it('a string literal in a template interpolates to its decoded text', () => {
    fc.assert(
      fc.property(literalText, fc.string(), literalText, (before, value, after) => {
        const quoted = `'${value.replaceAll("'", "''")}'`;
        expect(evaluate(quoted, {})).toBe(value);
        expect(interpolate(`${before}\${{ ${quoted} }}${after}`, {})).toBe(`${before}${value}${after}`);
      }),
    );
  });
});
