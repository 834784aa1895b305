/**
 * The decoded YAML of one file, read with the same `yaml` options GitHub's parser uses.
 *
 * GitHub's parser validates, but its token tree re-renders strings holding `${{ }}`
 * (block scalars lose their indentation), so every value kact keeps is read from here instead:
 * the decoded scalar text, exactly as YAML defines it.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

import type { Diagnostic } from './errors.js';
import type { RawValue, SourceLocation } from './types.js';

/**
 * How much a file's YAML aliases may expand: yaml's `maxAliasCount` (an anchor's uses times the
 * aliases inside it), over the whole document. A workflow using an anchor for shared steps stays
 * far below; an alias bomb ("billion laughs", nine aliases of nine aliases of …) passes it after a
 * few levels, in milliseconds, instead of expanding into gigabytes.
 */
export const MAX_ALIAS_COUNT = 1000;

export interface MapEntry {
  key: string;
  keyNode: Node | null;
  value: Node | null;
}

export class YamlSource {
  private readonly lines = new LineCounter();
  readonly doc: Document;

  constructor(
    /** Path relative to the repository root, used in locations. */
    readonly file: string,
    content: string,
  ) {
    this.doc = parseDocument(content, { lineCounter: this.lines, keepSourceTokens: true, uniqueKeys: false });
  }

  /** YAML syntax errors, one per problem (GitHub's parser reports the same ones). */
  syntaxErrors(): Diagnostic[] {
    return this.doc.errors.map((err) => ({
      // yaml's message repeats the position and quotes the source; the location says it already.
      message: (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, ''),
      location: { file: this.file, line: err.linePos?.[0].line ?? 1, column: err.linePos?.[0].col ?? 1 },
    }));
  }

  /**
   * Why the decoded document cannot be used (its aliases expand too much, or it cannot be
   * decoded at all), checked once on the whole file so that no later read of a part of it fails.
   */
  decodeProblem(): Diagnostic | undefined {
    try {
      this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      return undefined;
    } catch (err) {
      let alias: Node | undefined;
      visit(this.doc, {
        Alias: (_key, node) => {
          alias = node;
          return visit.BREAK;
        },
      });
      const excessive = err instanceof ReferenceError && /alias count/i.test(err.message);
      return {
        message: excessive
          ? `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias expansions, as in a "billion laughs" document); kact does not load it`
          : `cannot decode this YAML: ${err instanceof Error ? err.message : String(err)}`,
        location: this.location(excessive ? alias : null),
      };
    }
  }

  get root(): Node | null {
    return this.resolve(this.doc.contents as Node | null);
  }

  /** Follows `*alias` to its anchored node, so callers never see aliases. */
  resolve(node: Node | null | undefined): Node | null {
    if (!node) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  location(node: Node | null | undefined, fallback?: SourceLocation): SourceLocation {
    const offset = node?.range?.[0];
    if (offset === undefined) return fallback ?? { file: this.file, line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Entries of a mapping in file order; empty for anything else. */
  entries(node: Node | null | undefined): MapEntry[] {
    const map = this.resolve(node);
    if (!isMap(map)) return [];
    return map.items.map((pair) => {
      const keyNode = this.resolve(pair.key as Node | null);
      const key = isScalar(keyNode) ? String(keyNode.value) : String(this.raw(keyNode));
      return { key, keyNode, value: this.resolve(pair.value as Node | null) };
    });
  }

  /** The value of `key` in a mapping, or null when absent. */
  get(node: Node | null | undefined, key: string): Node | null {
    return this.entries(node).find((e) => e.key === key)?.value ?? null;
  }

  has(node: Node | null | undefined, key: string): boolean {
    return this.entries(node).some((e) => e.key === key);
  }

  items(node: Node | null | undefined): Array<Node | null> {
    const seq = this.resolve(node);
    if (!isSeq(seq)) return [];
    return seq.items.map((item) => this.resolve(item as Node | null));
  }

  /** Any value as plain data: scalars decoded, aliases resolved, templates left as text. */
  raw(node: Node | null | undefined): RawValue {
    const n = this.resolve(node);
    if (!n) return null;
    return toRawValue(n.toJS(this.doc, { maxAliasCount: MAX_ALIAS_COUNT }));
  }

  /** A scalar as text (GitHub reads `if: true` or `timeout-minutes: 5` as strings where it wants strings). */
  string(node: Node | null | undefined): string | undefined {
    const value = this.raw(node);
    if (value === null || value === undefined) return undefined;
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  /** A mapping's values as raw data; `{}` for anything else (GitHub's converter rejects `env: ${{ x }}`). */
  record(node: Node | null | undefined): Record<string, RawValue> {
    const result: Record<string, RawValue> = {};
    for (const e of this.entries(node)) setOwn(result, e.key, this.raw(e.value));
    return result;
  }

  /** A mapping's values as text. */
  stringRecord(node: Node | null | undefined): Record<string, string> {
    const result: Record<string, string> = {};
    for (const e of this.entries(node)) setOwn(result, e.key, this.string(e.value) ?? '');
    return result;
  }
}

/**
 * Sets an own, ordinary property: `out[key] = v` with the key `__proto__` would replace the
 * object's prototype (or do nothing), losing a key a workflow may well use (`env: { __proto__: x }`).
 */
function setOwn<T>(out: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function toRawValue(value: unknown): RawValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toRawValue);
  if (value instanceof Map) {
    const out: Record<string, RawValue> = {};
    for (const [k, v] of value) setOwn(out, String(k), toRawValue(v));
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, RawValue> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, toRawValue(v));
    return out;
  }
  return String(value);
}
