import { StringDecoder } from 'node:string_decoder';

/** What the wrapper reported at the end of its log. */
export interface SidecarTrailer {
  exitCode: number;
  timedOut: boolean;
  /** Bytes of output the wrapper saw the process write (-1: unknown). */
  outputBytes: number;
  /** Processes the OOM killer ended in the step's container while the step ran. */
  oomKills: number;
  /** File-command contents, in the request's order. */
  files: string[];
}

/**
 * Splits a step container's log into the process's output (passed on as text, as it arrives)
 * and the wrapper's trailer (`\n<nonce> begin\n…`, see sidecar-wrapper.ts). Bytes that might be
 * the start of the marker are held back until the next chunk tells.
 */
export class SidecarLog {
  /** Bytes of process output passed on. */
  outputBytes = 0;
  private readonly marker: Buffer;
  private readonly decoder = new StringDecoder('utf8');
  private pending = Buffer.alloc(0);
  private trailerParts: Buffer[] | undefined;
  private parsed: SidecarTrailer | undefined;

  constructor(
    private readonly nonce: string,
    private readonly output: (chunk: string) => void,
  ) {
    this.marker = Buffer.from(`\n${nonce} begin\n`);
  }

  push = (chunk: Buffer): void => {
    if (this.trailerParts) {
      this.trailerParts.push(chunk);
      this.parsed = undefined;
      return;
    }
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = data.indexOf(this.marker);
    if (at >= 0) {
      this.emit(data.subarray(0, at));
      this.pending = Buffer.alloc(0);
      this.trailerParts = [data.subarray(at + this.marker.length)];
      return;
    }
    // Keep the longest tail that is a prefix of the marker.
    let keep = Math.min(this.marker.length - 1, data.length);
    while (keep > 0 && !this.marker.subarray(0, keep).equals(data.subarray(data.length - keep))) keep--;
    this.emit(data.subarray(0, data.length - keep));
    this.pending = Buffer.from(data.subarray(data.length - keep));
  };

  /** The complete trailer, once its exit line has arrived. */
  trailer(): SidecarTrailer | undefined {
    if (!this.trailerParts) return undefined;
    this.parsed ??= parseTrailer(Buffer.concat(this.trailerParts).toString('utf8'), this.nonce);
    return this.parsed;
  }

  /** The log ended: what was held back is output after all. */
  end(): void {
    if (!this.trailerParts && this.pending.length) this.emit(this.pending);
    this.pending = Buffer.alloc(0);
    const rest = this.decoder.end();
    if (rest) this.output(rest);
  }

  private emit(bytes: Buffer): void {
    if (!bytes.length) return;
    this.outputBytes += bytes.length;
    const text = this.decoder.write(bytes);
    if (text) this.output(text);
  }
}

export function parseTrailer(text: string, nonce: string): SidecarTrailer | undefined {
  const files: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === `${nonce} file`) files.push([]);
    else if (line.startsWith(`${nonce} exit `)) {
      const [code, timedOut, bytes, oomKills] = line.slice(nonce.length + 6).split(' ').map(Number);
      if (!Number.isInteger(code)) return undefined;
      // The exit line is complete only once its newline has arrived.
      if (!text.includes(`${line}\n`)) return undefined;
      return { exitCode: code!, timedOut: timedOut === 1, outputBytes: Number.isInteger(bytes) ? bytes! : -1, oomKills: oomKills !== undefined && oomKills > 0 ? oomKills : 0, files: files.map((lines) => Buffer.from(lines.join(''), 'base64').toString('utf8')) };
    } else if (files.length) files[files.length - 1]!.push(line.trim());
  }
  return undefined;
}
