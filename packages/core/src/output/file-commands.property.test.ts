/**
 * Hostile input for the file-command parser (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE; issue 14),
 * property-based: whatever a step writes, reading it gives pairs or one FileCommandError naming the
 * file and the line; and what a step writes the way GitHub's toolkit does comes back exactly. A
 * failure prints fast-check's seed and path, which reproduce it (`fc.assert(…, { seed, path })`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileCommandError, parseEnvFile, readEnvFile } from './file-commands.js';

/** The characters the format is made of, and some it is not. */
const unit = fc.constantFrom('=', '<', '<<', '\n', '\r\n', '\r', 'E', 'O', 'F', 'EOF', 'a', 'b', ' ', '\t', '\0', 'é', '😀', '__proto__', 'constructor');
const content = fc.oneof(fc.array(unit, { maxLength: 40 }).map((p) => p.join('')), fc.string({ unit: 'binary', maxLength: 200 }));

const lineCount = (text: string) => text.split('\n').length;

describe('readEnvFile on arbitrary content (property-based)', () => {
  it('never throws; a problem is one FileCommandError at a line of the file, the pairs before it kept', () => {
    fc.assert(
      fc.property(content, fc.constantFrom('GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE'), (text, file) => {
        const { values, error } = readEnvFile(text, file);
        expect(typeof values).toBe('object');
        if (error) {
          expect(error).toBeInstanceOf(FileCommandError);
          expect(error.message).toMatch(new RegExp(`^${file}:\\d+: \\S`));
          expect(error.line).toBeGreaterThanOrEqual(1);
          expect(error.line).toBeLessThanOrEqual(lineCount(text));
          expect(() => parseEnvFile(text, file)).toThrow(error.message);
        } else {
          expect(parseEnvFile(text, file)).toEqual(values);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Names a step may write: no `=`, no `<` (`a<<<EOF` reads as the name `a`), no line break, not empty. */
const name = fc.oneof(
  fc.string({ unit: fc.constantFrom('A', 'z', '_', '-', '.', '1', ' ', 'é', '>', ':'), minLength: 1, maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
);
/** Values: any text. A heredoc value's last line end is the file's, not the value's, so a final CR would be read as part of a CRLF. */
const value = fc.string({ unit: fc.oneof(fc.constantFrom('\n', '\r\n', '\r', '=', '<<', 'EOF', ' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 30 });
/** A delimiter as @actions/core makes it (`ghadelimiter_<uuid>`), or any other text on one line. */
const delimiter = fc.oneof(fc.uuid().map((id) => `ghadelimiter_${id}`), fc.string({ unit: fc.constantFrom('E', 'O', 'F', '_', '-', ' ', '='), minLength: 1, maxLength: 6 }));

/** The value's lines as the reader compares them with the delimiter (CRLF or LF ends). */
const linesOf = (v: string) => v.split('\n').map((l) => l.replace(/\r$/, ''));

describe('what a step writes comes back (property-based)', () => {
  it('NAME<<DELIMITER heredocs and NAME=value lines, in any mix, with LF or CRLF line ends', () => {
    const entry = fc.tuple(name, value, delimiter, fc.boolean());
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (entries, eol) => {
        const expected: Record<string, string> = {};
        let file = '';
        for (const [n, v, d, plain] of entries) {
          // A value may not hold its delimiter as a line (the toolkit refuses to write it) nor end in CR.
          fc.pre(!v.endsWith('\r') && !linesOf(v).includes(d));
          if (plain && !/[\r\n]/.test(v)) file += `${n}=${v}${eol}`;
          else file += `${n}<<${d}${eol}${v}${eol}${d}${eol}`;
          Object.defineProperty(expected, n, { value: v, enumerable: true, writable: true, configurable: true });
        }
        const { values, error } = readEnvFile(file, 'GITHUB_OUTPUT');
        expect(error).toBeUndefined();
        expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
        for (const key of Object.keys(expected)) expect(Object.getOwnPropertyDescriptor(values, key)?.value).toBe(expected[key]);
      }),
      { numRuns: 300 },
    );
  });

  it('a broken line among good ones is reported at its own line, the pairs before it kept', () => {
    const good = fc.tuple(fc.stringMatching(/^[A-Z]{1,5}$/), fc.stringMatching(/^[a-z ]{0,5}$/)).map(([n, v]) => `${n}=${v}`);
    const broken = fc.constantFrom('no equals sign', '=value without a name', 'X<<', 'X<<EOF', '<<EOF');
    fc.assert(
      fc.property(fc.array(good, { maxLength: 5 }), broken, fc.array(good, { maxLength: 3 }), (before, bad, after) => {
        const { values, error } = readEnvFile([...before, bad, ...after].join('\n'), 'GITHUB_ENV');
        expect(error?.line).toBe(before.length + 1);
        expect(error?.message).toMatch(new RegExp(`^GITHUB_ENV:${before.length + 1}: `));
        expect(values).toEqual(Object.fromEntries(before.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
      }),
      { numRuns: 200 },
    );
  });
});
