import { dataToString, fromData, toRunnerString } from './coerce.js';
import { ExpressionError } from './errors.js';
import { evaluateData } from './evaluate.js';
import type { Contexts, EvaluationOptions, Value } from './types.js';

export type TemplatePart = { kind: 'literal'; text: string } | { kind: 'expression'; expression: string };

const OPEN = '${{';
const CLOSE = '}}';

/**
 * Splits a string on `${{ … }}`. A `}}` inside a single-quoted string literal (quotes escaped as
 * `''`) does not close the expression. Expression text is kept verbatim, so joining the parts
 * back (`${{` + expression + `}}`) gives the input again.
 */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let pos = 0;
  while (pos < text.length) {
    const start = text.indexOf(OPEN, pos);
    if (start < 0) break;
    if (start > pos) parts.push({ kind: 'literal', text: text.slice(pos, start) });
    const end = findClose(text, start + OPEN.length);
    if (end < 0) {
      throw new ExpressionError(
        `Unterminated expression in '${text}': a '\${{' at offset ${start} has no closing '}}'`,
      );
    }
    parts.push({ kind: 'expression', expression: text.slice(start + OPEN.length, end) });
    pos = end + CLOSE.length;
  }
  if (pos < text.length) parts.push({ kind: 'literal', text: text.slice(pos) });
  return parts;
}

/** Index of the `}}` closing an expression that starts at `from`, or -1. */
function findClose(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    // `''` inside a string toggles twice, which keeps us inside it: no special case needed
    if (c === "'") inString = !inString;
    else if (!inString && c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

export function containsExpression(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * The single expression of a template that is exactly `${{ e }}`. Text around it, even blanks,
 * makes it a string template, as in GitHub's parser: ` ${{ '' }}` is ' ', and a block scalar's
 * `${{ e }}\n` keeps its newline.
 */
export function soleExpression(parts: TemplatePart[]): string | undefined {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.kind === 'expression' ? only.expression : undefined;
}

/** Each part evaluated and joined the way the runner's format() joins them. */
function joinParts(parts: TemplatePart[], contexts: Contexts, options?: EvaluationOptions): string {
  return parts
    .map((p) => (p.kind === 'literal' ? p.text : dataToString(evaluateData(p.expression, contexts, options))))
    .join('');
}

/**
 * A string that is exactly one `${{ e }}` yields e's typed value; other strings with `${{` yield
 * the interpolated string; strings without `${{` are returned as they are.
 */
export function evaluateTemplate(text: string, contexts: Contexts, options?: EvaluationOptions): Value {
  if (!containsExpression(text)) return text;
  const parts = splitTemplate(text);
  const sole = soleExpression(parts);
  if (sole !== undefined) return fromData(evaluateData(sole, contexts, options));
  return joinParts(parts, contexts, options);
}

/** Always a string: the template's text with every `${{ }}` replaced by its value. */
export function interpolate(text: string, contexts: Contexts, options?: EvaluationOptions): string {
  if (!containsExpression(text)) return text;
  const parts = splitTemplate(text);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.kind === 'expression') {
    return toRunnerString(fromData(evaluateData(only.expression, contexts, options)));
  }
  return joinParts(parts, contexts, options);
}

/** Strings via evaluateTemplate; arrays and objects recursively, object keys interpolated. */
/** A mapping key that is the insert directive (`${{ insert }}`, any spacing). */
const INSERT = /^\$\{\{\s*insert\s*\}\}$/;

export function evaluateDeep(value: unknown, contexts: Contexts, options?: EvaluationOptions): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return evaluateTemplate(value, contexts, options);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, contexts, options));
  if (typeof value === 'object') {
    const out: { [key: string]: Value } = {};
    const set = (key: string, v: Value) => Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of Object.entries(value)) {
      if (!INSERT.test(k)) {
        set(interpolate(k, contexts, options), evaluateDeep(v, contexts, options));
        continue;
      }
      // The `${{ insert }}` directive: the value's own mapping goes in here, key by key.
      const inserted = evaluateDeep(v, contexts, options);
      if (inserted === null || typeof inserted !== 'object' || Array.isArray(inserted)) {
        throw new ExpressionError(`\${{ insert }} needs a mapping to insert, got ${inserted === null ? 'null' : Array.isArray(inserted) ? 'a sequence' : typeof inserted}`);
      }
      for (const [ik, iv] of Object.entries(inserted)) set(ik, iv);
    }
    return out;
  }
  throw new ExpressionError(`Cannot evaluate a value of type ${typeof value}`);
}
