import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker.js';

function masker(...values: string[]): SecretMasker {
  const m = new SecretMasker();
  for (const v of values) m.add(v);
  return m;
}

describe('SecretMasker', () => {
  it('replaces every occurrence of a secret with ***', () => {
    expect(masker('hunter2').mask('pw=hunter2 and again hunter2.')).toBe('pw=*** and again ***.');
  });

  it('leaves text without secrets untouched', () => {
    const m = masker('hunter2');
    expect(m.mask('nothing to see')).toBe('nothing to see');
    expect(m.mask('')).toBe('');
  });

  it('masks one-character secrets (GitHub masks any non-empty value)', () => {
    expect(masker('x').mask('axb')).toBe('a***b');
  });

  it('ignores empty and whitespace-only values', () => {
    const m = masker('', '   ', '\t\n');
    expect(m.values).toEqual([]);
    expect(m.mask('a   b\t\n')).toBe('a   b\t\n');
  });

  it('masks overlapping secrets as one run of ***', () => {
    const m = masker('abcdef', 'defghi');
    expect(m.mask('xxabcdefghixx')).toBe('xx***xx');
  });

  it('masks the longer secret fully when one secret contains another', () => {
    const m = masker('pass', 'password123');
    expect(m.mask('password123')).toBe('***');
    expect(m.mask('pass word')).toBe('*** word');
  });

  it('masks each trimmed line of a multi-line secret, so line-by-line output never shows it', () => {
    const m = masker('-----BEGIN KEY-----\n  c2VjcmV0  \r\n-----END KEY-----\n');
    expect(m.mask('-----BEGIN KEY-----')).toBe('***');
    expect(m.mask('  c2VjcmV0  ')).toBe('  ***  ');
    expect(m.mask('x -----END KEY----- y')).toBe('x *** y');
  });

  it('masks the whole multi-line value within one text', () => {
    expect(masker('line one\nline two').mask('>line one\nline two<')).toBe('>***<');
  });

  it('masks the base64 encoding at every byte alignment, without padding', () => {
    const m = masker('user:s3cr3t');
    const aligned = Buffer.from('user:s3cr3t').toString('base64');
    expect(m.mask(aligned)).not.toContain(aligned.replace(/=+$/, ''));
    for (const prefix of ['a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}user:s3cr3t`).toString('base64');
      expect(m.mask(encoded)).toContain('***');
    }
  });

  it('masks the JSON-escaped form of a secret', () => {
    const secret = 'quote"back\\slash';
    expect(masker(secret).mask(JSON.stringify({ token: secret }))).toBe('{"token":"***"}');
  });

  it('masks the URL-encoded form of a secret', () => {
    const secret = 'p@ss word/+!';
    const m = masker(secret);
    expect(m.mask(`https://x/?p=${encodeURIComponent(secret)}`)).toBe('https://x/?p=***');
    expect(m.mask(`?p=p%40ss%20word%2F%2B%21`)).toBe('?p=***');
  });

  it("masks the expression-escaped form ('' for ') and the XML-escaped form", () => {
    const m = masker("it's<b>");
    expect(m.mask("'it''s<b>'")).toBe("'***'");
    expect(m.mask('<v>it&apos;s&lt;b&gt;</v>')).toBe('<v>***</v>');
  });

  it('does not mask common text because of the encodings of a very short secret', () => {
    const m = masker('b');
    expect(m.mask('Yg== abc')).toBe('Yg== a***c');
  });

  it('lists the values added once each, not their encodings', () => {
    const m = masker('a1', 'b2', 'a1');
    expect(m.values).toEqual(['a1', 'b2']);
  });

  it('safeCut never cuts through a secret nor just before one that may still complete', () => {
    const m = masker('SECRET');
    const text = 'xxxxSECRETyyyy';
    const cut = m.safeCut(text, 6);
    expect(cut).toBe(4);
    expect(m.safeCut('aaaaaaaaaaSECR', 12)).toBeLessThanOrEqual(9);
  });
});
