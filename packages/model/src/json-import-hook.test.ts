/**
 * The hook must make GitHub's parser importable by plain Node (no flags, no bundler), as
 * src/github-parser.ts relies on when compiled. Vitest runs sources through Vite, so this test
 * compiles the hook and checks it in a child `node` process instead.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

async function compiledHook(): Promise<string> {
  const source = await readFile(path.join(packageDir, 'src/json-import-hook.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'kact-hook-')), 'json-import-hook.mjs');
  await writeFile(file, outputText);
  return pathToFileURL(file).href;
}

const IMPORT_PARSER = `
  const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');
  const w = parseWorkflow({ name: 'w.yml', content: 'on: push\\njobs:\\n  j:\\n    runs-on: x\\n    steps: [{run: echo}]\\n' }, new NoOperationTraceWriter());
  const a = parseAction({ name: 'action.yml', content: 'name: a\\nruns:\\n  using: node20\\n  main: i.js\\n' }, new NoOperationTraceWriter());
  console.log([w.context.errors.count, a.context.errors.count, typeof w.value].join(' '));
`;

describe('json-import-hook', () => {
  it('lets plain node import @actions/workflow-parser and its action parser', async () => {
    const script = `import { register } from 'node:module';\nregister(${JSON.stringify(await compiledHook())});\n${IMPORT_PARSER}`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir });
    expect(stdout.trim()).toBe('0 1 object'); // the action lacks a description: one schema error
  });

  it('is still needed: without it, plain node cannot import the parser', async () => {
    const failure = await run(process.execPath, ['--input-type=module', '-e', IMPORT_PARSER], { cwd: packageDir }).catch((e: { stderr: string }) => e);
    expect((failure as { stderr?: string }).stderr).toMatch(/ERR_IMPORT_ATTRIBUTE_MISSING|needs an import attribute/);
  });
});
