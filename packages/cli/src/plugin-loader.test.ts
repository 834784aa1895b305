import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Container, ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS, type StepStrategy } from '@kact/core';
import { isInputError } from '@kact/model';
import { decorateStrategy, loadPlugin, ownerOf, replacingModule, resolvePluginSpecifier, resolveToken, type BindingOwners } from './plugin-loader.js';

// Plugin files live inside packages/cli so that their `import 'inversify'` resolves for real.
const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
const tag = randomBytes(4).toString('hex');
const root = join(cliDir, `.test-plugins-${tag}`);
const project = join(root, 'project');
const location = { baseDir: root, projectDir: project };
/** Where the test plugins' decorators record what they did. */
const callsKey = `kactPluginLoaderTest_${tag}`;
const calls = (): string[] => ((globalThis as Record<string, unknown>)[callsKey] ??= []) as string[];

function write(path: string, text: string): string {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const strategyPlugin = (name: string) => `import { ContainerModule } from 'inversify';
export const kactContract = ${PLUGIN_CONTRACT_VERSION};
export default new ContainerModule(({ bind }) => {
  bind(Symbol.for('kact.StepStrategy')).toConstantValue({ name: '${name}', runProcess: async () => ({ exitCode: 0 }), runContainer: async () => ({ exitCode: 0 }) });
});
`;

const decoratorPlugin = (name: string) => `import { ContainerModule } from 'inversify';
export const kactContract = ${PLUGIN_CONTRACT_VERSION};
export default new ContainerModule(({ bind }) => {
  bind(Symbol.for('kact.StepStrategyDecorator')).toConstantValue((inner) => {
    const calls = (globalThis['${callsKey}'] ??= []);
    calls.push('wrap ${name}');
    return { ...inner, name: '${name}(' + inner.name + ')', runProcess: (...args) => { calls.push('run ${name}'); return inner.runProcess(...args); } };
  });
});
`;

/** Asserts that `action` fails with a one-line InputError, and returns its message. */
async function inputError(action: () => unknown): Promise<string> {
  let caught: unknown;
  try {
    await action();
  } catch (err) {
    caught = err;
  }
  expect(isInputError(caught), `expected an InputError, got ${String(caught)}`).toBe(true);
  const message = (caught as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

const baseStrategy: StepStrategy = {
  name: 'base',
  runProcess: async () => ({ exitCode: 0 }) as never,
  runContainer: async () => ({ exitCode: 0 }) as never,
};

/** kact's defaults: a step strategy bound before any plugin loads. */
const defaults = new ContainerModule(({ bind }) => {
  bind(TOKENS.StepStrategy).toConstantValue(baseStrategy);
});

beforeAll(() => {
  mkdirSync(project, { recursive: true });
  write('strategy-a.js', strategyPlugin('a'));
  write('strategy-b.js', strategyPlugin('b'));
  write('decorator-1.js', decoratorPlugin('one'));
  write('decorator-2.js', decoratorPlugin('two'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('resolvePluginSpecifier / loadPlugin: finding the plugin', () => {
  it('loads a file by path, relative to baseDir', async () => {
    const plugin = await loadPlugin('./strategy-a.js', location);
    expect(plugin.file).toBe(join(root, 'strategy-a.js'));
    expect(plugin.specifier).toBe('./strategy-a.js');
    expect(plugin.contract).toBe(PLUGIN_CONTRACT_VERSION);
    expect(typeof plugin.module.load).toBe('function');
    expect(resolvePluginSpecifier(join(root, 'strategy-a.js'), { baseDir: '/', projectDir: '/' })).toBe(join(root, 'strategy-a.js'));
  });

  it("finds an ESM-only package in the project's node_modules that kact's own folder lacks", async () => {
    const name = `kact-test-plugin-${tag}`;
    write(`project/node_modules/${name}/package.json`, JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } } }));
    const entry = write(`project/node_modules/${name}/index.js`, strategyPlugin('pkg'));
    expect(() => createRequire(import.meta.url).resolve(name)).toThrow();
    const plugin = await loadPlugin(name, location);
    expect(plugin.file).toBe(entry);
    expect(plugin.contract).toBe(PLUGIN_CONTRACT_VERSION);
  });

  it("takes a dual package's import entry, not the one require would load", async () => {
    const name = `kact-test-dual-${tag}`;
    write(`project/node_modules/${name}/package.json`, JSON.stringify({ name, exports: { '.': { require: './index.cjs', import: './index.mjs' } } }));
    write(`project/node_modules/${name}/index.cjs`, `module.exports = { kactContract: 1 };\n`);
    const entry = write(`project/node_modules/${name}/index.mjs`, strategyPlugin('dual'));
    expect(resolvePluginSpecifier(name, location)).toBe(entry);
    expect((await loadPlugin(name, location)).file).toBe(entry);
  });

  it('names where it looked when a package is nowhere', async () => {
    const message = await inputError(() => loadPlugin(`kact-no-such-plugin-${tag}`, location));
    expect(message).toContain(`plugin kact-no-such-plugin-${tag} (not found)`);
    expect(message).toContain(project);
    expect(message).toContain("kact's own folder");
  });

  it('says a path names no file', async () => {
    const message = await inputError(() => loadPlugin('./missing.js', location));
    expect(message).toBe(`plugin ./missing.js (${join(root, 'missing.js')}): no such file`);
  });
});

describe('loadPlugin: what is wrong with the plugin', () => {
  it('reports a syntax error with the file and line:col', async () => {
    const file = write('syntax.js', `import { ContainerModule } from 'inversify';\nexport const kactContract = 1;\nconst broken = {\n  a: 1,,\n};\nexport default new ContainerModule(() => {});\n`);
    const message = await inputError(() => loadPlugin('./syntax.js', location));
    expect(message).toContain(`plugin ./syntax.js (${file}): syntax error at ${file}:4:8:`);
    expect(message).toContain("Unexpected token ','");
  });

  it('reports what it throws while loading, first line only', async () => {
    write('throws.js', `throw new Error('no cluster config\\nsecond line');\n`);
    const message = await inputError(() => loadPlugin('./throws.js', location));
    expect(message).toBe(`plugin ./throws.js (${join(root, 'throws.js')}): throws while loading: no cluster config`);
  });

  it('refuses a default export that is a plain object', async () => {
    write('plain.js', `export const kactContract = 1;\nexport default { load() {} };\n`);
    const message = await inputError(() => loadPlugin('./plain.js', location));
    expect(message).toBe(`plugin ./plain.js (${join(root, 'plain.js')}): its default export is a plain object, not an inversify ContainerModule (new ContainerModule(({ bind }) => …))`);
  });

  it('takes the only named ContainerModule, refuses none or several without a default', async () => {
    write('named.js', `import { ContainerModule } from 'inversify';\nexport const kactContract = 1;\nexport const strategy = new ContainerModule(() => {});\n`);
    expect((await loadPlugin('./named.js', location)).module).toBeDefined();
    write('none.js', `export const kactContract = 1;\nexport const x = 1;\n`);
    expect(await inputError(() => loadPlugin('./none.js', location))).toContain('exports no inversify ContainerModule');
    write('several.js', `import { ContainerModule } from 'inversify';\nexport const kactContract = 1;\nexport const a = new ContainerModule(() => {});\nexport const b = new ContainerModule(() => {});\n`);
    expect(await inputError(() => loadPlugin('./several.js', location))).toContain('exports 2 ContainerModules (a, b) and no default');
  });

  it('refuses a missing or mismatched kactContract', async () => {
    write('no-contract.js', `import { ContainerModule } from 'inversify';\nexport default new ContainerModule(() => {});\n`);
    expect(await inputError(() => loadPlugin('./no-contract.js', location))).toBe(
      `plugin ./no-contract.js (${join(root, 'no-contract.js')}): declares no kactContract; export const kactContract = ${PLUGIN_CONTRACT_VERSION}`,
    );
    const other = PLUGIN_CONTRACT_VERSION + 1;
    write('old-contract.js', `import { ContainerModule } from 'inversify';\nexport const kactContract = ${other};\nexport default new ContainerModule(() => {});\n`);
    expect(await inputError(() => loadPlugin('./old-contract.js', location))).toBe(
      `plugin ./old-contract.js (${join(root, 'old-contract.js')}): built for plugin contract ${other}, this kact speaks ${PLUGIN_CONTRACT_VERSION}`,
    );
  });
});

describe('replacingModule, resolveToken, decorateStrategy: composing plugins', () => {
  it('lets a later plugin replace the StepStrategy an earlier one bound, without ambiguity', async () => {
    const container = new Container();
    const owners: BindingOwners = new Map();
    await container.load(defaults);
    for (const specifier of ['./strategy-a.js', './strategy-b.js']) {
      await container.load(replacingModule(await loadPlugin(specifier, location), owners));
    }
    const owner = ownerOf(owners, TOKENS.StepStrategy);
    expect(owner).toBe('plugin ./strategy-b.js');
    expect(resolveToken<StepStrategy>(container, TOKENS.StepStrategy, owner).name).toBe('b');
    expect(ownerOf(owners, TOKENS.JobBackend)).toBe("kact's defaults");
  });

  it('stacks the decorators of two plugins, in load order', async () => {
    const container = new Container();
    const owners: BindingOwners = new Map();
    await container.load(defaults);
    for (const specifier of ['./decorator-1.js', './decorator-2.js']) {
      await container.load(replacingModule(await loadPlugin(specifier, location), owners));
    }
    calls().length = 0;
    const strategy = decorateStrategy(container, resolveToken<StepStrategy>(container, TOKENS.StepStrategy, ownerOf(owners, TOKENS.StepStrategy)), owners);
    expect(strategy.name).toBe('two(one(base))');
    await strategy.runProcess(...([] as unknown as Parameters<StepStrategy['runProcess']>));
    expect(calls()).toEqual(['wrap one', 'wrap two', 'run two', 'run one']);
    expect(decorateStrategy(new Container(), baseStrategy)).toBe(baseStrategy);
  });

  it('names a decorator that is not a function or returns no StepStrategy', () => {
    const container = new Container();
    const owners: BindingOwners = new Map([[TOKENS.StepStrategyDecorator, ['plugin ./bad-decorator.js']]]);
    container.bind(TOKENS.StepStrategyDecorator).toConstantValue(() => ({ name: 'half' }));
    expect(() => decorateStrategy(container, baseStrategy, owners)).toThrow(
      'kact.StepStrategyDecorator #1 (bound by plugin ./bad-decorator.js): returned a plain object, not a StepStrategy (with runProcess and runContainer)',
    );
    const other = new Container();
    other.bind(TOKENS.StepStrategyDecorator).toConstantValue('timing');
    expect(() => decorateStrategy(other, baseStrategy)).toThrow("kact.StepStrategyDecorator #1 (bound by kact's defaults): is a string, not a function");
  });

  it('turns an unbound dependency into one line naming the token and the plugin', async () => {
    write('unbound.js', `import { ContainerModule } from 'inversify';\nexport const kactContract = 1;\nexport default new ContainerModule(({ bind }) => {\n  bind(Symbol.for('kact.StepStrategy')).toDynamicValue((ctx) => ctx.get(Symbol.for('nope')));\n});\n`);
    const container = new Container();
    const owners: BindingOwners = new Map();
    await container.load(defaults, replacingModule(await loadPlugin('./unbound.js', location), owners));
    const message = await inputError(() => resolveToken(container, TOKENS.StepStrategy, ownerOf(owners, TOKENS.StepStrategy)));
    expect(message).toBe('kact.StepStrategy (bound by plugin ./unbound.js) depends on nope, which nothing binds');
  });

  it('turns ambiguous bindings, a throwing constructor and a missing binding into one line', async () => {
    const ambiguous = new Container();
    await ambiguous.load(defaults, new ContainerModule(({ bind }) => void bind(TOKENS.StepStrategy).toConstantValue(baseStrategy)));
    expect(await inputError(() => resolveToken(ambiguous, TOKENS.StepStrategy, "kact's defaults"))).toBe(
      "kact.StepStrategy (bound by kact's defaults): it is bound more than once and takes a single binding",
    );
    class Exploding {
      constructor() {
        throw new Error('kaboom\n    at somewhere');
      }
    }
    const throwing = new Container();
    throwing.bind(TOKENS.StepStrategy).to(Exploding);
    expect(await inputError(() => resolveToken(throwing, TOKENS.StepStrategy, 'plugin x'))).toBe('kact.StepStrategy (bound by plugin x): threw while being created: kaboom');
    expect(await inputError(() => resolveToken(new Container(), TOKENS.StepStrategy, "kact's defaults"))).toBe(
      "kact.StepStrategy: nothing is bound to it (neither kact's defaults nor a plugin bind it)",
    );
  });
});
