import { join } from 'node:path';
import { generateFiles, joinPathFragments, logger, names, normalizePath, offsetFromRoot, readJson, type GeneratorCallback, type Tree } from '@nx/devkit';

export interface StrategyGeneratorSchema {
  /** Lower-case words joined by `-`: `my-strategy`. */
  name: string;
  /** Relative to the workspace root; default `plugins/<name>`. */
  directory?: string;
  /** Default `@kact/<name>`. */
  packageName?: string;
}

/** The package root: this file is at src/generators/strategy (tests) or dist/generators/strategy (built). */
const PACKAGE_ROOT = join(__dirname, '..', '..', '..');
const TEMPLATES = join(PACKAGE_ROOT, 'templates', 'strategy');

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** Versions to depend on: the workspace's own where it has the package, else these. */
const FALLBACK_VERSIONS = { core: '0.1.0', testing: '0.1.0', inversify: '^7.8.0' };

function workspaceVersion(tree: Tree, packageJson: string, fallback: string): string {
  if (!tree.exists(packageJson)) return fallback;
  const version = readJson<{ version?: unknown }>(tree, packageJson).version;
  return typeof version === 'string' ? version : fallback;
}

function dependencyVersion(tree: Tree, packageJson: string, dependency: string, fallback: string): string {
  if (!tree.exists(packageJson)) return fallback;
  const version = readJson<{ dependencies?: Record<string, unknown> }>(tree, packageJson).dependencies?.[dependency];
  return typeof version === 'string' ? version : fallback;
}

/** Whether the root package.json's `workspaces` take in `directory` (an exact entry or a `parent/*` glob). */
function inWorkspaces(tree: Tree, directory: string): boolean {
  if (!tree.exists('package.json')) return false;
  const json = readJson<{ workspaces?: string[] | { packages?: string[] } }>(tree, 'package.json');
  const patterns = Array.isArray(json.workspaces) ? json.workspaces : (json.workspaces?.packages ?? []);
  const parent = directory.includes('/') ? directory.slice(0, directory.lastIndexOf('/')) : '';
  return patterns.some((p) => {
    const pattern = normalizePath(p).replace(/^\.\//, '').replace(/\/$/, '');
    return pattern === directory || pattern === `${parent}/*` || (parent === '' && pattern === '*');
  });
}

/**
 * `nx g @kact/nx-plugin:strategy NAME`: a kact plugin package whose ContainerModule binds a
 * `TOKENS.StepStrategyDecorator` around the chosen step strategy (timing each process as a
 * `::notice::` to start with), with `kactContract`, a unit test on @kact/testing that passes as
 * generated, a README and a `conformance` script.
 */
export async function strategyGenerator(tree: Tree, options: StrategyGeneratorSchema): Promise<GeneratorCallback> {
  const name = options.name?.trim() ?? '';
  if (!NAME.test(name)) throw new Error(`strategy: name "${name}": lower-case letters and digits in words joined by '-' (my-strategy)`);
  const directory = normalizePath(options.directory ?? joinPathFragments('plugins', name))
    .replace(/^\.\//, '')
    .replace(/\/+$/, '');
  if (directory === '' || directory.startsWith('../') || directory.startsWith('/')) throw new Error(`strategy: directory "${options.directory}": a folder inside the workspace`);
  if (tree.exists(directory) && tree.children(directory).length > 0) throw new Error(`strategy: ${directory} already exists and is not empty`);
  const packageName = options.packageName ?? `@kact/${name}`;
  if (!PACKAGE_NAME.test(packageName)) throw new Error(`strategy: packageName "${packageName}" is not a valid npm package name`);

  const versions = {
    core: workspaceVersion(tree, 'packages/core/package.json', FALLBACK_VERSIONS.core),
    testing: workspaceVersion(tree, 'packages/testing/package.json', FALLBACK_VERSIONS.testing),
    inversify: dependencyVersion(tree, 'packages/core/package.json', 'inversify', FALLBACK_VERSIONS.inversify),
  };
  generateFiles(tree, TEMPLATES, directory, {
    name,
    packageName,
    directory,
    propertyName: names(name).propertyName,
    offset: offsetFromRoot(directory),
    versions,
  });

  const linked = inWorkspaces(tree, directory);
  if (!linked) logger.warn(`${directory} is not in the root package.json's "workspaces": add it there, or npm will not link ${packageName}`);
  return () => {
    logger.info(
      [
        `${packageName} is in ${directory}. Next, from the workspace root:`,
        `  npm install --no-audit --no-fund${linked ? '' : `   (after adding ${directory} to "workspaces")`}`,
        `  npx nx run ${packageName}:build`,
        `  npx nx run ${packageName}:test`,
        `  npx nx run ${packageName}:conformance   (real pods)`,
      ].join('\n'),
    );
  };
}

export default strategyGenerator;
