import { logger, readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { strategyGenerator } from './generator.js';

const FILES = ['package.json', 'tsconfig.json', 'tsconfig.lint.json', 'vitest.config.ts', 'README.md', 'src/index.ts', 'src/index.test.ts'];

/** A tree shaped like this repository: workspaces, and the packages the plugin depends on. */
function kactWorkspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  writeJson(tree, 'package.json', { name: 'ws', private: true, workspaces: ['packages/*', 'plugins/*'] });
  writeJson(tree, 'packages/core/package.json', { name: '@kact/core', version: '1.2.3', dependencies: { inversify: '^7.9.0' } });
  writeJson(tree, 'packages/testing/package.json', { name: '@kact/testing', version: '1.2.3' });
  return tree;
}

describe('strategy generator', () => {
  let tree: Tree;
  let warn: ReturnType<typeof vi.spyOn>;
  let info: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    tree = kactWorkspace();
    warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('scaffolds plugins/<name> as @kact/<name>: manifest, configs, source, test, README', async () => {
    await strategyGenerator(tree, { name: 'my-strategy' });
    for (const file of FILES) expect(tree.exists(`plugins/my-strategy/${file}`), file).toBe(true);
    expect(tree.children('plugins/my-strategy').sort()).toEqual(['README.md', 'package.json', 'src', 'tsconfig.json', 'tsconfig.lint.json', 'vitest.config.ts']);
    expect(tree.children('plugins/my-strategy/src').sort()).toEqual(['index.test.ts', 'index.ts']);

    const pkg = readJson(tree, 'plugins/my-strategy/package.json');
    expect(pkg.name).toBe('@kact/my-strategy');
    expect(pkg.type).toBe('module');
    expect(pkg.exports).toEqual({ '.': { types: './dist/index.d.ts', import: './dist/index.js' } });
    expect(pkg.scripts).toEqual({ build: 'tsc -p tsconfig.json', test: 'vitest run', lint: 'tsc -p tsconfig.lint.json', conformance: 'kact conformance --plugin ./dist/index.js' });
    // Versions follow the workspace's packages.
    expect(pkg.dependencies).toEqual({ '@kact/core': '1.2.3', inversify: '^7.9.0' });
    expect(pkg.devDependencies).toEqual({ '@kact/testing': '1.2.3' });
    expect(pkg.nx.targets.conformance).toEqual({ dependsOn: ['build', { projects: ['@kact/cli'], target: 'build' }], cache: false });
  });

  it('points the configs at the workspace root from where the package is', async () => {
    await strategyGenerator(tree, { name: 'my-strategy' });
    expect(readJson(tree, 'plugins/my-strategy/tsconfig.json')).toEqual({ extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src', outDir: 'dist' }, include: ['src'], exclude: ['src/**/*.test.ts'] });
    expect(readJson(tree, 'plugins/my-strategy/tsconfig.lint.json')).toEqual({ extends: './tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.' }, include: ['src'], exclude: [] });
    expect(tree.read('plugins/my-strategy/vitest.config.ts', 'utf8')).toContain("from '../../vitest.shared.js'");

    await strategyGenerator(tree, { name: 'deep', directory: 'plugins/contrib/deep' });
    expect(readJson(tree, 'plugins/contrib/deep/tsconfig.json').extends).toBe('../../../tsconfig.base.json');
    expect(tree.read('plugins/contrib/deep/vitest.config.ts', 'utf8')).toContain("from '../../../vitest.shared.js'");
  });

  it('binds a StepStrategyDecorator named after the plugin and exports kactContract', async () => {
    await strategyGenerator(tree, { name: 'my-strategy' });
    const index = tree.read('plugins/my-strategy/src/index.ts', 'utf8')!;
    expect(index).toContain("import { PLUGIN_CONTRACT_VERSION, TOKENS, type StepStrategy, type StepStrategyDecorator } from '@kact/core';");
    expect(index).toContain('export const myStrategy: StepStrategyDecorator = (inner: StepStrategy): StepStrategy => {');
    expect(index).toContain('name: `my-strategy(${inner.name})`');
    expect(index).toContain('::notice title=my-strategy::');
    expect(index).toContain('export const kactContract = PLUGIN_CONTRACT_VERSION;');
    expect(index).toContain('bind(TOKENS.StepStrategyDecorator).toConstantValue(myStrategy);');
    expect(index).not.toMatch(/<%|%>/);

    const test = tree.read('plugins/my-strategy/src/index.test.ts', 'utf8')!;
    expect(test).toContain("from '@kact/testing';");
    expect(test).toContain("import plugin, { kactContract, myStrategy } from './index.js';");
    expect(test).toContain("expect(r.result.strategy).toBe('my-strategy(local-test)');");
    expect(test).not.toMatch(/<%|%>/);

    const readme = tree.read('plugins/my-strategy/README.md', 'utf8')!;
    expect(readme.split('\n')[0]).toBe('# @kact/my-strategy');
    expect(readme).toContain('npx nx run @kact/my-strategy:conformance');
    expect(readme).toContain('./plugins/my-strategy/dist/index.js');
  });

  it('takes --directory and --packageName', async () => {
    await strategyGenerator(tree, { name: 'tracing', directory: './plugins/acme-tracing/', packageName: '@acme/kact-tracing' });
    expect(tree.exists('plugins/tracing')).toBe(false);
    expect(readJson(tree, 'plugins/acme-tracing/package.json').name).toBe('@acme/kact-tracing');
    expect(tree.read('plugins/acme-tracing/README.md', 'utf8')).toContain('npx nx run @acme/kact-tracing:build');
    expect(tree.read('plugins/acme-tracing/src/index.ts', 'utf8')).toContain('export const tracing: StepStrategyDecorator');
  });

  it('falls back to known versions outside this repository', async () => {
    const bare = createTreeWithEmptyWorkspace();
    await strategyGenerator(bare, { name: 'x' });
    const pkg = readJson(bare, 'plugins/x/package.json');
    expect(pkg.dependencies['@kact/core']).toBe('0.1.0');
    expect(pkg.devDependencies['@kact/testing']).toBe('0.1.0');
  });

  it('refuses a bad name, package name or directory, and a folder that is not empty', async () => {
    await expect(strategyGenerator(tree, { name: 'My_Strategy' })).rejects.toThrow(/name "My_Strategy"/);
    await expect(strategyGenerator(tree, { name: 'ok', packageName: 'Not A Name' })).rejects.toThrow(/packageName/);
    await expect(strategyGenerator(tree, { name: 'ok', directory: '../outside' })).rejects.toThrow(/inside the workspace/);
    tree.write('plugins/taken/keep.txt', 'x');
    await expect(strategyGenerator(tree, { name: 'taken' })).rejects.toThrow(/plugins\/taken already exists/);
    expect(tree.exists('plugins/ok')).toBe(false);
  });

  it('returns a callback that tells the next steps (it installs nothing)', async () => {
    const callback = await strategyGenerator(tree, { name: 'my-strategy' });
    expect(warn).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
    await callback();
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]![0]).toBe(
      ['@kact/my-strategy is in plugins/my-strategy. Next, from the workspace root:', '  npm install --no-audit --no-fund', '  npx nx run @kact/my-strategy:build', '  npx nx run @kact/my-strategy:test', '  npx nx run @kact/my-strategy:conformance   (real pods)'].join('\n'),
    );
  });

  it('generates outside the workspaces globs, warning that npm will not link it there', async () => {
    await strategyGenerator(tree, { name: 'elsewhere', directory: 'extra/elsewhere' });
    expect(tree.exists('extra/elsewhere/package.json')).toBe(true);
    expect(warn).toHaveBeenCalledWith('extra/elsewhere is not in the root package.json\'s "workspaces": add it there, or npm will not link @kact/elsewhere');
  });
});
