import { describe, expect, it } from 'vitest';
import { expandMatrix, filterLegs, legDisplayName } from './matrix.js';

// Cases from GitHub's docs "Running variations of jobs in a workflow".
describe('expandMatrix', () => {
  it('builds the cartesian product in key and value order', () => {
    expect(expandMatrix({ version: [10, 12, 14], os: ['ubuntu-latest', 'windows-latest'] })).toEqual([
      { version: 10, os: 'ubuntu-latest' },
      { version: 10, os: 'windows-latest' },
      { version: 12, os: 'ubuntu-latest' },
      { version: 12, os: 'windows-latest' },
      { version: 14, os: 'ubuntu-latest' },
      { version: 14, os: 'windows-latest' },
    ]);
  });

  it('merges include entries into matching combinations and adds the rest (docs example)', () => {
    const legs = expandMatrix({
      fruit: ['apple', 'pear'],
      animal: ['cat', 'dog'],
      include: [
        { color: 'green' },
        { color: 'pink', animal: 'cat' },
        { fruit: 'apple', shape: 'circle' },
        { fruit: 'banana' },
        { fruit: 'banana', animal: 'cat' },
      ],
    });
    expect(legs).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  it('extends combinations with include (docs: node 16 gets npm 6)', () => {
    const legs = expandMatrix({
      os: ['windows-latest', 'ubuntu-latest'],
      node: [14, 16],
      include: [{ os: 'windows-latest', node: 16, npm: 6 }],
    });
    expect(legs).toEqual([
      { os: 'windows-latest', node: 14 },
      { os: 'windows-latest', node: 16, npm: 6 },
      { os: 'ubuntu-latest', node: 14 },
      { os: 'ubuntu-latest', node: 16 },
    ]);
  });

  it('adds include entries that would overwrite an original value as new combinations', () => {
    expect(expandMatrix({ os: ['a'], include: [{ os: 'b', extra: 1 }] })).toEqual([{ os: 'a' }, { os: 'b', extra: 1 }]);
  });

  it('lets a later include overwrite a value an earlier include added', () => {
    expect(expandMatrix({ os: ['a', 'b'], include: [{ tag: 'x' }, { os: 'b', tag: 'y' }] })).toEqual([
      { os: 'a', tag: 'x' },
      { os: 'b', tag: 'y' },
    ]);
  });

  it('builds the matrix from include alone', () => {
    expect(expandMatrix({ include: [{ site: 'production', datacenter: 'site-a' }, { site: 'staging', datacenter: 'site-b' }] })).toEqual([
      { site: 'production', datacenter: 'site-a' },
      { site: 'staging', datacenter: 'site-b' },
    ]);
  });

  it('excludes on partial matches before include is applied (docs example)', () => {
    const legs = expandMatrix({
      os: ['macos-latest', 'windows-latest'],
      version: [12, 14, 16],
      environment: ['staging', 'production'],
      exclude: [{ os: 'macos-latest', version: 12, environment: 'production' }, { os: 'windows-latest', version: 16 }],
    });
    expect(legs).toHaveLength(12 - 1 - 2);
    expect(legs).not.toContainEqual({ os: 'macos-latest', version: 12, environment: 'production' });
    expect(legs.filter((l) => l.os === 'windows-latest' && l.version === 16)).toEqual([]);
  });

  it('re-adds an excluded combination through include', () => {
    expect(expandMatrix({ a: [1, 2], exclude: [{ a: 2 }], include: [{ a: 2, b: 'x' }] })).toEqual([{ a: 1 }, { a: 2, b: 'x' }]);
  });

  it('compares object values deeply for include and exclude', () => {
    const legs = expandMatrix({
      cfg: [{ os: 'linux', arch: 'x64' }, { os: 'linux', arch: 'arm' }],
      exclude: [{ cfg: { os: 'linux', arch: 'arm' } }],
      include: [{ cfg: { os: 'linux', arch: 'x64' }, big: true }],
    });
    expect(legs).toEqual([{ cfg: { os: 'linux', arch: 'x64' }, big: true }]);
  });

  it('gives one empty leg without a matrix', () => {
    expect(expandMatrix(undefined)).toEqual([{}]);
  });

  it('rejects a dimension that is not a list, naming it', () => {
    expect(() => expandMatrix({ os: 'linux' })).toThrow(/dimension 'os' must be a list/);
  });

  it('rejects a matrix whose every combination is excluded', () => {
    expect(() => expandMatrix({ a: [1], exclude: [{ a: 1 }] })).toThrow(/no combinations/);
  });

  it('rejects more than 256 combinations as GitHub does', () => {
    const values = Array.from({ length: 17 }, (_, i) => i);
    expect(() => expandMatrix({ a: values, b: values })).toThrow(/289 combinations/);
  });
});

describe('filterLegs (--matrix)', () => {
  const legs = expandMatrix({ os: ['a', 'b'], node: [18, 20] });
  it('keeps legs whose values match, comparing as text', () => {
    expect(filterLegs(legs, { node: ['20'] })).toEqual([
      { os: 'a', node: 20 },
      { os: 'b', node: 20 },
    ]);
    expect(filterLegs(legs, { node: ['20'], os: ['b'] })).toEqual([{ os: 'b', node: 20 }]);
  });
});

describe('legDisplayName', () => {
  it('names legs like GitHub', () => {
    expect(legDisplayName('build', { os: 'ubuntu', node: 20 })).toBe('build (ubuntu, 20)');
    expect(legDisplayName('build', {})).toBe('build');
  });
});
