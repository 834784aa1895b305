import { describe, expect, it } from 'vitest';
import { toRunnerString, type Value } from './index.js';

describe('toRunnerString', () => {
  it.each<[Value, string]>([
    [null, ''],
    [true, 'true'],
    [false, 'false'],
    ['', ''],
    ['text', 'text'],
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-7, '-7'],
    [1.5, '1.5'],
    [0.1 + 0.2, '0.3'],
    [1 / 3, '0.333333333333333'],
    [123456789012345, '123456789012345'],
    [1234567890123456, '1.23456789012346E+15'],
    [1e15, '1E+15'],
    [1e21, '1E+21'],
    [12345678901234567890, '1.23456789012346E+19'],
    [0.0001, '0.0001'],
    [0.00001, '1E-05'],
    [-2.5e-7, '-2.5E-07'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [[1, 'a'], '[\n  1,\n  "a"\n]'],
    [{ a: { b: null } }, '{\n  "a": {\n    "b": null\n  }\n}'],
    [[], '[]'],
    [{}, '{}'],
  ])('%j → %j', (value, expected) => {
    expect(toRunnerString(value)).toBe(expected);
  });
});
