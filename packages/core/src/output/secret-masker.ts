/** Anything that redacts secrets from text: a SecretMasker, or a stand-in in tests. */
export interface Masker {
  mask(text: string): string;
}

/** What a masked secret is replaced with, as on GitHub. */
export const MASK = '***';

/** Shortest encoded form of a secret that is masked (the secret itself is masked at any length). */
export const MIN_ENCODED_LENGTH = 4;

/**
 * Redacts secret values from log text with GitHub's runner semantics (actions/runner
 * `SecretMasker` + `ValueEncoders`): every occurrence of a value, or of one of its common
 * encodings, is replaced; overlapping or touching occurrences merge into one `***`.
 *
 * Masking works on one string at a time. Log streams are masked line by line after
 * LineSplitter has joined chunks, so a secret split across chunks is still found.
 */
export class SecretMasker implements Masker {
  readonly #values = new Set<string>();
  readonly #patterns = new Set<string>();
  #longest = 0;

  /** The values added (not their encodings), in the order they were added. */
  get values(): readonly string[] {
    return [...this.#values];
  }

  /** Length of the longest string being masked (a value or an encoding), 0 when none. */
  get longest(): number {
    return this.#longest;
  }

  /**
   * Masks `value` from now on, with its encodings. Empty and whitespace-only values are ignored
   * (the runner refuses them too). A multi-line value also masks each of its lines, trimmed,
   * because output reaches the log one line at a time.
   */
  add(value: string): void {
    if (value.trim() === '' || this.#values.has(value)) return;
    this.#values.add(value);
    this.#addWithEncodings(value);
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r\n|\r|\n/)) {
        const trimmed = line.trim();
        if (trimmed !== '') this.#addWithEncodings(trimmed);
      }
    }
  }

  /** Returns `text` with every masked value replaced by `***`; text without secrets is returned as is. */
  mask(text: string): string {
    if (text === '' || this.#patterns.size === 0) return text;
    const ranges = this.#ranges(text);
    if (ranges.length === 0) return text;
    let out = '';
    let at = 0;
    for (const [start, end] of ranges) {
      out += text.slice(at, start) + MASK;
      at = end;
    }
    return out + text.slice(at);
  }

  /**
   * Where to cut `text` (a line still being received) at or before `preferred` so that no
   * secret is split between the two pieces: never inside an occurrence, and never within the
   * last `longest - 1` characters, where a secret may still be completed by data to come.
   */
  safeCut(text: string, preferred: number): number {
    let cut = Math.min(preferred, text.length - Math.max(0, this.#longest - 1));
    if (cut <= 0) return preferred;
    for (const [start, end] of this.#ranges(text)) {
      if (start < cut && cut < end) {
        cut = start > 0 ? start : end;
        break;
      }
      if (start >= cut) break;
    }
    return cut;
  }

  #addWithEncodings(value: string): void {
    this.#addPattern(value);
    // Encodings of very short values (base64 of one byte is 2 characters) would mask common
    // text everywhere; the raw value is masked whatever its length.
    for (const variant of encodings(value)) if (variant.length >= MIN_ENCODED_LENGTH) this.#addPattern(variant);
  }

  #addPattern(variant: string): void {
    if (variant === '' || this.#patterns.has(variant)) return;
    this.#patterns.add(variant);
    this.#longest = Math.max(this.#longest, variant.length);
  }

  /** Sorted, merged [start, end) ranges of all occurrences (touching ranges merge, as the runner does). */
  #ranges(text: string): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    for (const pattern of this.#patterns) {
      let from = text.indexOf(pattern);
      while (from >= 0) {
        found.push([from, from + pattern.length]);
        from = text.indexOf(pattern, from + 1);
      }
    }
    if (found.length === 0) return found;
    found.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    let current: [number, number] = [found[0]![0], found[0]![1]];
    for (const [start, end] of found.slice(1)) {
      if (start <= current[1]) current[1] = Math.max(current[1], end);
      else {
        merged.push(current);
        current = [start, end];
      }
    }
    merged.push(current);
    return merged;
  }
}

/**
 * The encodings of a secret the runner masks too (its ValueEncoders): base64 at the three
 * byte alignments (without `=` padding, standard and URL-safe alphabets), JSON string escape,
 * URI data escape (RFC 3986 and JavaScript's encodeURIComponent), XML escape, expression string
 * escape (`'` → `''`), command-line `"` escape, and the value without surrounding double quotes.
 */
export function encodings(value: string): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset <= 2; offset++) {
    if (bytes.length <= offset) break;
    const b64 = bytes.subarray(offset).toString('base64').replace(/=+$/, '');
    out.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  out.push(JSON.stringify(value).slice(1, -1));
  try {
    const uri = encodeURIComponent(value);
    out.push(uri, uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  } catch {
    // A lone surrogate cannot be URI-encoded; the raw value is still masked.
  }
  out.push(value.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!));
  out.push(value.replace(/'/g, "''"));
  out.push(value.replace(/"/g, '\\"'));
  if (value.length > 8 && value.startsWith('"') && value.endsWith('"')) out.push(value.slice(1, -1));
  return out;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
