import { data } from '@actions/expressions';
import type { Value } from './types.js';

/**
 * A library Dictionary whose key index has no prototype. The library's index is a plain object, so
 * a key it holds by inheritance (`__proto__`, `constructor`, `toString`, …) counted as present and
 * was dropped: `fromJSON('{"constructor": 1}')` lost it, as did a context or step output so named.
 */
export function newDictionary(pairs: Array<{ key: string; value: data.ExpressionData }>): data.Dictionary {
  const dict = new data.Dictionary();
  (dict as unknown as { indexMap: Record<string, number> }).indexMap = Object.create(null) as Record<string, number>;
  for (const { key, value } of pairs) dict.add(key, value);
  return dict;
}

/** Converts a plain value into the library's ExpressionData (dictionaries look keys up case-insensitively). */
export function toData(value: Value | undefined): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  switch (typeof value) {
    case 'boolean':
      return new data.BooleanData(value);
    case 'number':
      return new data.NumberData(value);
    case 'string':
      return new data.StringData(value);
  }
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  return newDictionary(Object.entries(value).map(([key, v]) => ({ key, value: toData(v) })));
}

/** Converts the library's ExpressionData back into a plain value. */
export function fromData(d: data.ExpressionData): Value {
  switch (d.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.Boolean:
      return (d as data.BooleanData).value;
    case data.Kind.Number:
      return (d as data.NumberData).value;
    case data.Kind.String:
      return (d as data.StringData).value;
    case data.Kind.Array:
      return (d as data.Array).values().map(fromData);
    default: {
      const out: { [key: string]: Value } = {};
      for (const { key, value } of (d as data.Dictionary).pairs()) {
        // defineProperty so a key named "__proto__" stays an ordinary key
        Object.defineProperty(out, key, { value: fromData(value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/**
 * Formats a number as the runner does (.NET `ToString("G15")`, invariant culture): at most 15
 * significant digits, scientific notation `1.5E+15` / `1E-05` unless -5 < exponent < 15.
 * The JS library uses toFixed(15) instead, which prints 12345678901234567000 where GitHub prints
 * 1.23456789012346E+19.
 */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return '0';
  const [mantissa = '', exp = '0'] = n.toExponential(14).split('e');
  const exponent = Number(exp);
  if (exponent >= 15 || exponent < -4) {
    const digits = mantissa.replace(/\.?0+$/, '');
    const sign = exponent < 0 ? '-' : '+';
    return `${digits}E${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // Within this range JS prints plain decimals, and a 15-digit rounding round-trips exactly.
  return String(Number(n.toPrecision(15)));
}

/**
 * The string a value becomes when it lands in env, inputs or `with:` as a whole: null → '',
 * booleans → 'true'/'false', numbers as the runner formats them, objects/arrays → pretty JSON.
 */
export function toRunnerString(value: Value): string {
  if (value === null) return '';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return formatNumber(value);
    case 'string':
      return value;
  }
  return JSON.stringify(value, null, 2);
}

/**
 * The string an expression result becomes inside a larger string (`a ${{ x }} b`), which the
 * runner rewrites to `format('a {0} b', x)`: like toRunnerString, except objects and arrays give
 * their kind name ('Object' / 'Array'), as the runner's ConvertToString does.
 */
export function dataToString(d: data.ExpressionData): string {
  switch (d.kind) {
    case data.Kind.Array:
      return 'Array';
    case data.Kind.Dictionary:
      return 'Object';
    default:
      return toRunnerString(fromData(d));
  }
}

/** Replaces numbers by their runner string so the library's string functions see GitHub's digits. */
export function numbersAsStrings(d: data.ExpressionData): data.ExpressionData {
  return d.kind === data.Kind.Number ? new data.StringData(dataToString(d)) : d;
}
