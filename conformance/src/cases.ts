import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readExpectation, type Expectation } from './expectation.js';

/** The package's own folder (works from src/ under vitest and from dist/). */
export const CONFORMANCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CASES_DIR = join(CONFORMANCE_DIR, 'workflows');
/** The repository root, where packages/cli and tools/kube-local live. */
export const REPO_ROOT = resolve(CONFORMANCE_DIR, '..');

export interface ConformanceCase {
  name: string;
  dir: string;
  expect: Expectation;
}

/** Which cases to run: a name, a pattern over names, or a predicate. */
export type CaseFilter = string | RegExp | ((name: string) => boolean);

function matches(filter: CaseFilter | undefined, name: string): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return name === filter || name.includes(filter);
  if (filter instanceof RegExp) return filter.test(name);
  return filter(name);
}

/** Every `<dir>/<case>/expect.yaml`, sorted by name; a malformed expect.yaml throws. */
export async function loadCases(dir = CASES_DIR, filter?: CaseFilter): Promise<ConformanceCase[]> {
  const names = (await readdir(dir)).sort();
  const cases: ConformanceCase[] = [];
  for (const name of names) {
    const caseDir = join(dir, name);
    if (!(await stat(caseDir)).isDirectory() || !matches(filter, name)) continue;
    cases.push({ name, dir: caseDir, expect: await readExpectation(join(caseDir, 'expect.yaml')) });
  }
  return cases;
}
