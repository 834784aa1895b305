import type { Unit } from '../scenarios.js';

/** A figure with as many decimals as its size deserves: 1234, 56.7, 8.91. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toFixed(decimals);
}

export function formatValue(value: number, unit: Unit): string {
  return `${formatNumber(value)} ${unit}`;
}

/** `other ÷ base` as `1.23×`; empty when either is missing or the base is not above zero (an overhead can be negative). */
export function formatRatio(other: number | undefined, base: number | undefined): string {
  if (other === undefined || base === undefined || !(base > 0)) return '';
  return `${(other / base).toFixed(2)}×`;
}
