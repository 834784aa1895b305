import { describe, expect, it } from 'vitest';
import { parseTrailer, SidecarLog } from './sidecar-log.js';

const nonce = 'kact-0123456789abcdef01234567';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const trailer = (code: number, files: string[], timedOut = 0) =>
  `\n${nonce} begin\n${files.map((f) => `${nonce} file\n${f ? `${b64(f)}\n` : ''}`).join('')}${nonce} exit ${code} ${timedOut} -1\n`;

/** Feeds `log` in chunks cut at the given sizes, repeating the last size. */
function feed(log: Buffer, sizes: number[]) {
  let out = '';
  const parser = new SidecarLog(nonce, (chunk) => (out += chunk));
  for (let at = 0, i = 0; at < log.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)]!;
    parser.push(log.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return { out, trailer: parser.trailer(), bytes: parser.outputBytes };
}

describe('SidecarLog', () => {
  it('splits output and trailer wherever the chunks are cut', () => {
    const output = 'hello ✓ wörld\nno newline at the end';
    const log = Buffer.from(output + trailer(42, ['a=1\n', '', 'X<<E\nü\nE\n']));
    for (let first = 1; first < log.length; first += 3) {
      for (const rest of [1, 2, 7, 1000]) {
        const r = feed(log, [first, rest]);
        expect(r.out).toBe(output);
        expect(r.bytes).toBe(Buffer.byteLength(output));
        expect(r.trailer).toEqual({ exitCode: 42, timedOut: false, outputBytes: -1, oomKills: 0, files: ['a=1\n', '', 'X<<E\nü\nE\n'] });
      }
    }
  });

  it('keeps output that only looks like the marker, and output ending in newlines', () => {
    const output = `\nkact-other begin\n\n${nonce} begi\n${nonce}\n\n`;
    const r = feed(Buffer.from(output + trailer(0, [])), [5]);
    expect(r.out).toBe(output);
    expect(r.trailer).toEqual({ exitCode: 0, timedOut: false, outputBytes: -1, oomKills: 0, files: [] });
  });

  it('has no trailer until the exit line is complete, and passes everything on when there is none', () => {
    const partial = Buffer.from(`out${trailer(1, ['x'], 1)}`.slice(0, -1));
    expect(feed(partial, [4]).trailer).toBeUndefined();
    expect(feed(Buffer.from(`killed mid-line\n${nonce.slice(0, 10)}`), [3]).out).toBe(`killed mid-line\n${nonce.slice(0, 10)}`);
    expect(parseTrailer(`${nonce} exit 143 1\n`, nonce)).toEqual({ exitCode: 143, timedOut: true, outputBytes: -1, oomKills: 0, files: [] });
  });

  it('reads how many processes the OOM killer ended while the step ran', () => {
    expect(parseTrailer(`${nonce} exit 137 0 12 1\n`, nonce)).toEqual({ exitCode: 137, timedOut: false, outputBytes: 12, oomKills: 1, files: [] });
    expect(parseTrailer(`${nonce} exit 137 0 12 0\n`, nonce)?.oomKills).toBe(0);
  });

  it('reports the trailer of a large output byte-exact', () => {
    const output = Buffer.alloc(3 * 1024 * 1024, 'x');
    const r = feed(Buffer.concat([output, Buffer.from(trailer(0, []))]), [65536]);
    expect(r.bytes).toBe(output.length);
    expect(r.out.length).toBe(output.length);
  });
});
