import { StringDecoder } from 'node:string_decoder';

/** What the wrapper reported at the end of a step, read from its stderr. */
export type Trailer =
  | { kind: 'exit'; exitCode: number; timedOut: boolean; oomKills: number; files: string[] }
  | { kind: 'noexit' };

/**
 * Collects one exec's output: stdout is the process's log (passed on as text, counted in bytes
 * so a recovery can resume at the right offset); stderr carries only the wrapper's trailer and
 * its own diagnostics.
 */
export class StepStream {
  /** Bytes of the log delivered so far, over all connections. */
  received = 0;
  private readonly decoder = new StringDecoder('utf8');
  private stderr: Buffer[] = [];

  constructor(
    private readonly nonce: string,
    private readonly output: (chunk: string) => void,
  ) {}

  onStdout = (chunk: Buffer): void => {
    this.received += chunk.length;
    const text = this.decoder.write(chunk);
    if (text) this.output(text);
  };

  onStderr = (chunk: Buffer): void => {
    this.stderr.push(chunk);
  };

  /** Starts a new connection: its stderr is read on its own. */
  resetStderr(): void {
    this.stderr = [];
  }

  /** Flushes a partial UTF-8 sequence at the very end of the log. */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.output(rest);
  }

  trailer(): Trailer | undefined {
    return parseTrailer(Buffer.concat(this.stderr).toString('utf8'), this.nonce);
  }

  /** The wrapper's own messages (what is on stderr before the trailer), for error reports. */
  diagnostics(): string {
    const text = Buffer.concat(this.stderr).toString('utf8');
    const at = text.indexOf(`${this.nonce} `);
    return (at >= 0 ? text.slice(0, at) : text).trim();
  }
}

export function parseTrailer(text: string, nonce: string): Trailer | undefined {
  const files: string[][] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${nonce} `)) {
      const [word, ...args] = line.slice(nonce.length + 1).split(' ');
      if (word === 'noexit') return { kind: 'noexit' };
      if (word === 'file') {
        current = [];
        files[Number(args[0])] = current;
      } else if (word === 'exit') {
        const [code, timedOut, oomKills] = args.map(Number);
        if (!Number.isInteger(code)) return undefined;
        return {
          kind: 'exit',
          exitCode: code!,
          timedOut: timedOut === 1,
          oomKills: oomKills && oomKills > 0 ? oomKills : 0,
          files: Array.from(files, (lines) => Buffer.from((lines ?? []).join(''), 'base64').toString('utf8')),
        };
      }
    } else if (current) {
      current.push(line.trim());
    }
  }
  return undefined;
}
