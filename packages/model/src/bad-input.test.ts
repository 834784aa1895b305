/** Every kind of bad input gives one diagnostic per problem, at the file:line:col to fix. */
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempRepo, yaml } from '../test/temp-repo.js';
import { formatDiagnostic, isInputError, loadAction, loadWorkflowFile } from './index.js';

async function problems(files: Record<string, string>, load = 'wf.yml'): Promise<string[]> {
  const root = await tempRepo(files);
  try {
    await loadWorkflowFile(path.join(root, load), { repoRoot: root });
  } catch (err) {
    if (!isInputError(err)) throw err;
    return err.diagnostics.map(formatDiagnostic);
  }
  throw new Error('expected an InputError');
}

async function actionProblems(files: Record<string, string>, dir: string): Promise<string[]> {
  const root = await tempRepo(files);
  try {
    await loadAction(path.join(root, dir), { repoRoot: root });
  } catch (err) {
    if (!isInputError(err)) throw err;
    return err.diagnostics.map(formatDiagnostic);
  }
  throw new Error('expected an InputError');
}

const job = (body: string) => `on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n${body}`;

describe('bad workflow input', () => {
  it('broken YAML', async () => {
    expect(await problems({ 'wf.yml': 'on: push\njobs:\n  build:\n    runs-on: [a, b\n    steps: []\n' })).toEqual([
      'wf.yml:5:5: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('unknown key and missing runs-on, one message each', async () => {
    const wf = yaml`
      on: push
      jobs:
        a:
          runs-on: x
          colour: blue
          steps:
            - run: echo
        b:
          steps:
            - run: echo
    `;
    expect(await problems({ 'wf.yml': wf })).toEqual([
      "wf.yml:5:5: Unexpected value 'colour'",
      'wf.yml:9:5: Required property is missing: runs-on',
    ]);
  });

  it('unknown needs', async () => {
    const wf = yaml`
      on: push
      jobs:
        a:
          runs-on: x
          needs: [nope]
          steps: [{ run: echo }]
        b:
          runs-on: x
          steps: [{ run: echo }]
    `;
    expect(await problems({ 'wf.yml': wf })).toEqual(["wf.yml:5:13: Job 'a' depends on unknown job 'nope'."]);
  });

  it('a needs cycle is named once', async () => {
    const wf = yaml`
      on: push
      jobs:
        start:
          runs-on: x
          steps: [{ run: echo }]
        a:
          runs-on: x
          needs: [start, c]
          steps: [{ run: echo }]
        b:
          runs-on: x
          needs: a
          steps: [{ run: echo }]
        c:
          runs-on: x
          needs: b
          steps: [{ run: echo }]
        after:
          runs-on: x
          needs: a
          steps: [{ run: echo }]
    `;
    expect(await problems({ 'wf.yml': wf })).toEqual(['wf.yml:8:20: Jobs form a cycle through needs: a -> c -> b -> a']);
  });

  it('a cycle without any job free of needs', async () => {
    const wf = 'on: push\njobs:\n  a:\n    runs-on: x\n    needs: b\n    steps: [{ run: echo }]\n  b:\n    runs-on: x\n    needs: a\n    steps: [{ run: echo }]\n';
    expect(await problems({ 'wf.yml': wf })).toEqual(['wf.yml:5:12: Jobs form a cycle through needs: a -> b -> a']);
  });

  it('bad uses forms on steps and jobs', async () => {
    const wf = yaml`
      on: push
      jobs:
        a:
          runs-on: x
          steps:
            - uses: actions/checkout
            - uses: docker://
            - uses: owner@v1
        b:
          uses: octo/repo/ci.yml@v1
    `;
    expect(await problems({ 'wf.yml': wf })).toEqual([
      "wf.yml:6:15: Expected format {org}/{repo}[/path]@ref. Actual 'actions/checkout'",
      "wf.yml:7:15: 'docker://': docker:// needs an image name, e.g. docker://alpine:3.20",
      "wf.yml:8:15: Expected format {org}/{repo}[/path]@ref. Actual 'owner@v1'",
      "wf.yml:10:11: Job 'b': expected format {owner}/{repo}/.github/workflows/{filename}@{ref}. Actual 'octo/repo/ci.yml@v1'",
    ]);
  });

  it('a step with both run and uses, and a null step (act validation cases)', async () => {
    expect(await problems({ 'wf.yml': job('    steps:\n      - run: echo\n        uses: a/b@v1\n      -\n') })).toEqual([
      "wf.yml:7:9: Unexpected value 'uses'",
      "wf.yml:8:8: Unexpected value ''",
    ]);
  });

  it('a bad expression', async () => {
    expect(await problems({ 'wf.yml': job('    steps:\n      - run: echo ${{ github.sha ==  }}\n') })).toEqual([
      "wf.yml:6:19: Unexpected end of expression: '=='",
    ]);
  });

  it('a missing file', async () => {
    expect(await problems({}, 'gone.yml')).toEqual(['gone.yml: file not found']);
  });
});

describe('bad action input', () => {
  it('a missing local action folder names both files looked for', async () => {
    expect(await actionProblems({}, 'actions/gone')).toEqual([
      "no action found in 'actions/gone': looked for action.yml and action.yaml",
    ]);
  });

  it('points at the step that uses it when told where', async () => {
    const err = await loadAction('/nonexistent', { repoRoot: '/', usedAt: { file: 'wf.yml', line: 7, column: 15 } }).catch((e: unknown) => e);
    expect(isInputError(err) && err.diagnostics.map(formatDiagnostic)).toEqual([
      "wf.yml:7:15: no action found in 'nonexistent': looked for action.yml and action.yaml",
    ]);
  });

  it('schema errors in action.yml, one per problem', async () => {
    const action = yaml`
      name: broken
      colour: blue
      runs:
        using: composite
        steps:
          - run: echo no shell
          - uses: not-a-ref
    `;
    expect(await actionProblems({ 'a/action.yml': action }, 'a')).toEqual([
      "a/action.yml:2:1: Unexpected value 'colour'",
      'a/action.yml:6:7: Required property is missing: shell',
      "a/action.yml:7:13: Expected format {org}/{repo}[/path]@ref. Actual 'not-a-ref'",
    ]);
  });

  it('an unknown runs.using', async () => {
    expect(await actionProblems({ 'a/action.yaml': 'name: x\nruns:\n  using: node8\n  main: x.js\n' }, 'a')).toEqual([
      "a/action.yaml:3:10: Unexpected value 'node8'",
    ]);
  });

  it('broken YAML in action.yml', async () => {
    expect(await actionProblems({ 'a/action.yml': 'name: x\nruns: {using: node20\n' }, 'a')).toHaveLength(1);
  });
});
