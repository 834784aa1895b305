/** Longest piece of one line delivered at once; longer lines arrive in several pieces. */
export const MAX_LINE_PIECE = 1024 * 1024;

export interface LineSplitterOptions {
  /** Cut lines longer than this into pieces of at most this many characters (default 1 MiB). */
  maxLineLength?: number;
  /**
   * Chooses where an over-long line is cut, at or before `preferred`. Pass
   * `(text, at) => masker.safeCut(text, at)` so a secret is never split between two pieces.
   */
  cutPoint?: (text: string, preferred: number) => number;
}

/**
 * Turns a stream of text chunks into lines. Lines end at `\n` or `\r\n` (the terminator is
 * not part of the line; a lone `\r` stays in the line, as progress bars use it). Output that
 * does not end with a newline is delivered by `end()`. Lines of any length are delivered whole,
 * except that a line over `maxLineLength` arrives in pieces of at most that length, so memory
 * stays bounded.
 *
 * Masking belongs after this: a secret split across chunks is whole again in its line.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #max: number;
  readonly #cutPoint: (text: string, preferred: number) => number;
  #pending: string[] = [];
  #pendingLength = 0;

  constructor(onLine: (line: string) => void, options: LineSplitterOptions = {}) {
    this.#onLine = onLine;
    this.#max = Math.max(2, options.maxLineLength ?? MAX_LINE_PIECE);
    this.#cutPoint = options.cutPoint ?? ((_text, preferred) => preferred);
  }

  /** Accepts the next chunk; every line it completes is delivered before this returns. */
  write(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      let line = this.#take() + chunk.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.#deliver(line, true);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = start === 0 ? chunk : chunk.slice(start);
      this.#pending.push(rest);
      this.#pendingLength += rest.length;
      if (this.#pendingLength > this.#max) {
        const remainder = this.#deliver(this.#take(), false);
        this.#pending = remainder === '' ? [] : [remainder];
        this.#pendingLength = remainder.length;
      }
    }
  }

  /** Delivers the last line when the output did not end with a newline. Idempotent. */
  end(): void {
    if (this.#pendingLength === 0) return;
    let line = this.#take();
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.#deliver(line, true);
  }

  #take(): string {
    const text = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
    this.#pending = [];
    this.#pendingLength = 0;
    return text;
  }

  /** Delivers `text` in pieces of at most #max; returns what is kept back when the line is not complete. */
  #deliver(text: string, complete: boolean): string {
    while (text.length > this.#max) {
      let cut = this.#cutPoint(text, this.#max);
      if (!(cut > 0 && cut <= this.#max)) cut = this.#max;
      // Never split a surrogate pair. (A trailing \r stays in the kept-back rest, so \r\n split
      // across chunks still ends the line.)
      if (cut > 1 && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
      this.#onLine(text.slice(0, cut));
      text = text.slice(cut);
    }
    if (complete) {
      this.#onLine(text);
      return '';
    }
    return text;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
