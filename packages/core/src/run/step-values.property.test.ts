/**
 * Hostile input for core's template interpolation (`env:`, `with:` → the strings a process sees;
 * issue 14), property-based: every key comes through with its value interpolated as the runner
 * does, and a broken template is an ExpressionError, never another exception. A failure prints
 * fast-check's seed and path, which reproduce it (`fc.assert(…, { seed, path })`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '@kact/expressions';
import type { RawValue } from '@kact/model';
import { evaluateStrings } from './step-values.js';

const contexts = { env: { NAME: 'value' }, matrix: { n: 2 }, secrets: { TOKEN: 's3cret' } };
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A piece of a value with what it interpolates to. */
const piece = fc.oneof(
  fc.string({ maxLength: 10 }).filter((s) => !s.includes('${{') && !s.endsWith('$')).map((s) => ({ text: s, value: s })),
  fc.string({ maxLength: 10 }).map((s) => ({ text: `\${{ ${quote(s)} }}`, value: s })),
  fc.constantFrom({ text: '${{ env.NAME }}', value: 'value' }, { text: '${{ matrix.n }}', value: '2' }, { text: '${{ env.MISSING }}', value: '' }, { text: "${{ format('{0}-{1}', 1, true) }}", value: '1-true' }),
);
const templated = fc.array(piece, { minLength: 1, maxLength: 4 }).map((pieces) => ({ text: pieces.map((p) => p.text).join(''), value: pieces.map((p) => p.value).join('') }));
const scalar: fc.Arbitrary<{ text: RawValue; value: string }> = fc.oneof(
  templated,
  fc.integer().map((n) => ({ text: n, value: String(n) })),
  fc.boolean().map((b) => ({ text: b, value: String(b) })),
  fc.constant({ text: null, value: '' }),
);
/** Any names, also ones a plain object holds already. */
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.includes('${{')), fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf'));

describe('evaluateStrings (property-based)', () => {
  it('keeps every name and gives each value as the runner interpolates it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, scalar), { selector: ([k]) => k, maxLength: 6 }), (entries) => {
        const raw: Record<string, RawValue> = {};
        for (const [k, v] of entries) Object.defineProperty(raw, k, { value: v.text, enumerable: true, writable: true, configurable: true });
        const out = evaluateStrings(raw, contexts, {});
        // As a set: JavaScript lists integer-like names first, and env has no order.
        expect(Object.keys(out).sort()).toEqual(entries.map(([k]) => k).sort());
        for (const [k, v] of entries) expect(Object.getOwnPropertyDescriptor(out, k)?.value).toBe(v.value);
      }),
      { numRuns: 300 },
    );
  });

  it('a broken template is an ExpressionError naming what is wrong, never another exception', () => {
    const junk = fc.array(fc.constantFrom('${{', '}}', "'", '(', ')', 'env.', 'fromJSON(', "'x'", ' ', '{0}', 'format(', ',', '!', '=='), { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(name, junk, (key, text) => {
        try {
          const out = evaluateStrings({ [key]: text, nested: { inner: [text] } }, contexts, {});
          expect(typeof out.nested).toBe('string');
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw new Error(`not an ExpressionError: ${String(err)}`, { cause: err });
          expect(err.message.trim()).not.toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });
});
