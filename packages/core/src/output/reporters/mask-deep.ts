import type { Masker } from '../secret-masker.js';

/** A copy of `value` with every string in it (object keys included) masked; other values kept. */
export function maskDeep<T>(value: T, masker: Masker | undefined): T {
  if (!masker) return value;
  return walk(value, masker) as T;
}

function walk(value: unknown, masker: Masker): unknown {
  if (typeof value === 'string') return masker.mask(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, masker));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [masker.mask(key), walk(item, masker)]));
  }
  return value;
}
