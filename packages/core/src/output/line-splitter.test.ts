import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';
import { SecretMasker } from './secret-masker.js';

function collect(chunks: string[], options?: ConstructorParameters<typeof LineSplitter>[1]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), options);
  for (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n without the terminators', () => {
    expect(collect(['one\ntwo\r\nthree\n'])).toEqual(['one', 'two', 'three']);
  });

  it('joins lines split across chunks, including a \\r\\n split between two chunks', () => {
    expect(collect(['he', 'llo wo', 'rld\r', '\nnext\n'])).toEqual(['hello world', 'next']);
  });

  it('delivers output without a trailing newline at end()', () => {
    expect(collect(['no newline at the end'])).toEqual(['no newline at the end']);
  });

  it('keeps empty lines and delivers nothing for empty output', () => {
    expect(collect(['a\n\n\nb\n'])).toEqual(['a', '', '', 'b']);
    expect(collect([])).toEqual([]);
    expect(collect(['\n'])).toEqual(['']);
  });

  it('keeps a lone \\r (progress bars) inside the line', () => {
    expect(collect(['10%\r50%\r100%\n'])).toEqual(['10%\r50%\r100%']);
  });

  it('delivers a 100 KiB line whole, written in 4 KiB chunks', () => {
    const long = 'x'.repeat(100 * 1024);
    const chunks: string[] = [];
    const text = `before\n${long}\nafter\n`;
    for (let i = 0; i < text.length; i += 4096) chunks.push(text.slice(i, i + 4096));
    const lines = collect(chunks);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(long);
  });

  it('delivers a line longer than the limit in pieces that add up to the line', () => {
    const long = 'abcdefghij'.repeat(30);
    const lines = collect([long.slice(0, 70), long.slice(70), '\nend\n'], { maxLineLength: 64 });
    expect(lines.slice(0, -1).join('')).toBe(long);
    expect(lines.slice(0, -1).every((l) => l.length <= 64)).toBe(true);
    expect(lines.at(-1)).toBe('end');
  });

  it('bounds memory: a 2.5 MiB line without newline arrives in 1 MiB pieces as it streams', () => {
    const pieces: number[] = [];
    const splitter = new LineSplitter((line) => pieces.push(line.length));
    const chunk = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) splitter.write(chunk);
    expect(pieces).toEqual([1024 * 1024, 1024 * 1024]);
    splitter.end();
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(40 * 64 * 1024);
  });

  it('does not split a surrogate pair when cutting a long line', () => {
    const long = 'a'.repeat(63) + '😀' + 'b'.repeat(10);
    const lines = collect([long, '\n'], { maxLineLength: 64 });
    expect(lines[0]).toBe('a'.repeat(63));
    expect(lines.join('')).toBe(long);
  });

  it('masks a secret split across chunks, because masking happens on whole lines', () => {
    const masker = new SecretMasker();
    masker.add('s3cr3t-token');
    const shown = collect(['token: s3c', 'r3t-to', 'ken\n']).map((l) => masker.mask(l));
    expect(shown).toEqual(['token: ***']);
  });

  it('never leaks a secret that straddles the cut of an over-long line when cutPoint is the masker', () => {
    const masker = new SecretMasker();
    masker.add('SECRETVALUE');
    const line = 'x'.repeat(60) + 'SECRETVALUE' + 'y'.repeat(60);
    const chunks = line.match(/.{1,7}/g)!;
    const pieces = collect([...chunks, '\n'], { maxLineLength: 64, cutPoint: (t, at) => masker.safeCut(t, at) });
    expect(pieces.join('')).toBe(line);
    expect(pieces.map((p) => masker.mask(p)).join('')).not.toMatch(/SECRET|VALUE/);
  });

  it('a multi-line secret never appears: each of its lines is masked', () => {
    const masker = new SecretMasker();
    masker.add('first-half\nsecond-half');
    const shown = collect(['key: first-', 'half\nsecond-half\n']).map((l) => masker.mask(l));
    expect(shown).toEqual(['key: ***', '***']);
  });
});
