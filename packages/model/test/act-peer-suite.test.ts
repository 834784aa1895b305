/**
 * Loads every workflow and local action of the act peer suite (../shared/peer-suites/act, read
 * in place, never copied) and reports how many load. act's four `validation` rows must fail with a
 * located diagnostic; every other failure must be one listed below, with the reason.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { isInputError, loadAction, loadWorkflows, type Diagnostic } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const suite = path.resolve(repoRoot, '../shared/peer-suites/act');
const testdata = path.join(suite, 'act-testdata');
const modelTestdata = path.join(suite, 'act-model-testdata');

/**
 * Folders that fail on purpose, where GitHub's parser (whose behaviour wins over act's) rejects
 * the file. act fails these at plan or run time instead.
 */
const EXPECTED_WORKFLOW_FAILURES: Record<string, string> = {
  'issue-1595': 'planner rows expecting errors: unknown need `first` (missing.yml, no-first.yml) and no `on:` (no-event.yml)',
  'job-container-invalid-credentials': 'credentials.password is "": GitHub requires a non-empty string (act expects the job to fail)',
  workflow_call_inputs: 'workflow_call inputs without `type:`, which GitHub requires (act accepts them)',
};

/** Local actions that are invalid on purpose. */
const EXPECTED_ACTION_FAILURES: Record<string, string> = {};

interface Row {
  dir: string;
  expected: string;
  needs: string;
}

function rows(): Row[] {
  const lines = readFileSync(path.join(suite, 'act-cases.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.map((line) => {
    const [dir = '', , expected = '', needs = ''] = line.split('\t');
    return { dir, expected, needs };
  });
}

function workflowFolders(): string[] {
  const top = readdirSync(testdata).filter((name) => statSync(path.join(testdata, name)).isDirectory());
  const fromRows = rows()
    .map((r) => r.dir.replace(/\/[^/]+\.ya?ml$/, ''))
    .filter((dir) => !dir.startsWith('../'));
  return [...new Set([...top, ...fromRows, '.github/workflows'])].sort();
}

async function diagnosticsOf(load: () => Promise<unknown>): Promise<Diagnostic[] | undefined> {
  try {
    await load();
    return undefined;
  } catch (err) {
    if (!isInputError(err)) throw err;
    return err.diagnostics;
  }
}

describe('act peer suite', () => {
  it('is present', () => {
    expect(existsSync(path.join(suite, 'act-cases.tsv')), `missing peer suite at ${suite}`).toBe(true);
  });

  it('loads every workflow folder; validation rows fail with a located diagnostic', async () => {
    const failures = new Map<string, Diagnostic[]>();
    let loaded = 0;
    const folders = workflowFolders();
    for (const dir of folders) {
      const diagnostics = await diagnosticsOf(async () => {
        loaded += (await loadWorkflows(path.join(testdata, dir), { repoRoot: testdata })).length;
      });
      if (diagnostics) failures.set(dir, diagnostics);
    }
    for (const dir of ['strategy', 'container-volumes']) {
      loaded += (await loadWorkflows(path.join(modelTestdata, dir), { repoRoot: modelTestdata })).length;
    }

    const validation = rows().filter((r) => r.needs.split(',').includes('validation'));
    expect(validation).toHaveLength(4);
    for (const row of validation) {
      const diagnostics = failures.get(row.dir);
      expect(diagnostics, `${row.dir} (${row.expected}) must fail to load`).toBeDefined();
      expect(diagnostics?.[0]?.location?.file).toBe(`${row.dir}/push.yml`);
    }

    const unexpected = [...failures.keys()].filter((dir) => !validation.some((r) => r.dir === dir) && !(dir in EXPECTED_WORKFLOW_FAILURES));
    console.log(
      `act peer suite: ${loaded} workflows loaded from ${folders.length + 2} folders; ${failures.size} folders rejected ` +
        `(${validation.length} validation rows, ${Object.keys(EXPECTED_WORKFLOW_FAILURES).length} GitHub-stricter, ${unexpected.length} unexpected)`,
    );
    for (const [dir, diagnostics] of failures) console.log(`  ${dir}: ${diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`).join('; ')}`);
    expect(unexpected).toEqual([]);
    expect([...failures.keys()].filter((dir) => dir in EXPECTED_WORKFLOW_FAILURES).sort()).toEqual(Object.keys(EXPECTED_WORKFLOW_FAILURES).sort());
  });

  it('loads every local action', async () => {
    const dirs: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
        else if (/^action\.ya?ml$/.test(entry.name)) dirs.push(path.relative(testdata, dir));
      }
    };
    walk(testdata);
    const failures: string[] = [];
    for (const dir of dirs.sort()) {
      const diagnostics = await diagnosticsOf(() => loadAction(path.join(testdata, dir), { repoRoot: testdata }));
      if (diagnostics && !(dir in EXPECTED_ACTION_FAILURES)) failures.push(`${dir}: ${diagnostics.map((d) => d.message).join('; ')}`);
    }
    console.log(`act peer suite: ${dirs.length - failures.length}/${dirs.length} local actions loaded`);
    expect(failures).toEqual([]);
  });
});
