// Bundles the kact command for bin/kact.js, from what tsc wrote in dist/:
// - dist/kact.cjs: the program's definition (main.js and commander). `kact --help` and
//   `--version` load nothing else. CommonJS, as bin/kact.js is: Node 20 then starts its ES module
//   loader only when something is imported (a plugin), which saves every command ≈ 20 ms.
// - dist/kact-engine-<hash>.cjs: what the commands import when they run (commands/load.js), one
//   CommonJS file that V8 runs from a code cache (src/code-cache.ts). Each command initializes
//   only the modules it imports.
// - dist/kact-kubernetes-client-<hash>.cjs: the Kubernetes client and what it brings, two thirds
//   of all the code: the engine requires it when @kact/kubernetes is first used (a run, gc), so
//   `list` and `run --dry-run` do not even read it.
// Node spends most of a short command resolving, reading and compiling modules one by one
// (GitHub's workflow parser, the Kubernetes client: hundreds of files); a few files, compiled once
// and then read from V8's cache, are much faster.
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), 'dist');
const GENERATED = /^kact(\.js|\.cjs|-(engine|kubernetes-client)-.*\.cjs|-bundle-.*\.js)(\.map)?$/;

/**
 * Left out of both, imported from tsc's dist/commands/ as before: commands that run for minutes
 * and read files beside their modules (the conformance suite's cases, tools/ of this repository).
 * Everything else is inside, inversify and reflect-metadata too: a plugin imports its own copy of
 * them (and of @kact/core), which kact's is made to meet (Symbol.for tokens and error markers,
 * reflect-metadata's shared registry, plugin-loader.ts).
 */
const EXTERNAL_COMMANDS = /^\.\/commands\/(bench|cluster|conformance)\.js$/;

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  // Messages name classes (inversify's, plugins' checks): minified names would say nothing.
  keepNames: true,
  // For `node --enable-source-maps`: file and line in kact's dist/ and its dependencies, without their text.
  sourcemap: true,
  sourcesContent: false,
  write: false,
  metafile: true,
  logLevel: 'warning',
};

/** Node refuses to link an import that names no export; bundled, it would be undefined instead. */
const STRICT_IMPORTS = { 'import-is-undefined': 'error' };

const fromDist = (file) => (dirname(file) === dist || dirname(dirname(file)) === dist ? file : undefined);

/**
 * The engine's own versions of two modules:
 * - @kact/model's github-parser.js registers a module hook (a worker thread) so that Node can
 *   import the parser's JSON without an import attribute, then imports the parser with top-level
 *   awaits. Bundled, the JSON is inside; CommonJS has no top-level await: plain imports.
 * - import-module.js: code V8 runs from a script cannot `import()` in Node 20; code-cache.ts hands
 *   it `__kactImportModule` from the ES module that loads the engine.
 * - the sidecar's step-agent.js: its AGENT_SCRIPT is a function's source, run by `node -e` in the
 *   job pod. Minified, that source would call helpers left outside it (keepNames' `__name`) by
 *   names of the bundle's choosing: the engine gets the text tsc's build makes, as a literal.
 * The build fails if any is not as expected.
 */
const engineModules = {
  name: 'engine-modules',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]model[\\/]dist[\\/]github-parser\.js$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      const registration = /\bregister\('\.\/json-import-hook\.js', import\.meta\.url\)/;
      const awaited = /^const (\w+) = await import\(('[^']+')\);$/gm;
      if (!registration.test(text) || !awaited.test(text)) throw new Error(`${path}: not the github-parser.js bundle.mjs knows (its hook registration and awaited imports)`);
      return { contents: text.replace(registration, 'void 0').replace(awaited, 'import * as $1 from $2;'), loader: 'js' };
    });
    bundle.onLoad({ filter: /[\\/]strategy-sidecar[\\/]dist[\\/]step-agent\.js$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      const definition = /^export const AGENT_SCRIPT = .*;$/m;
      const { AGENT_SCRIPT } = await import(pathToFileURL(path).href);
      if (!definition.test(text) || typeof AGENT_SCRIPT !== 'string') throw new Error(`${path}: not the step-agent.js bundle.mjs knows (its AGENT_SCRIPT)`);
      return { contents: text.replace(definition, () => `export const AGENT_SCRIPT = ${JSON.stringify(AGENT_SCRIPT)};`), loader: 'js' };
    });
    bundle.onLoad({ filter: /[\\/]cli[\\/]dist[\\/]import-module\.js$/ }, () => ({
      contents: 'export const importModule = (url) => __kactImportModule(url);',
      loader: 'js',
    }));
  },
};

/**
 * What kact's packages import from the Kubernetes client, read from their dist/: the side file
 * exports these only, so the unused rest of the client is left out. `import * as` or a default
 * import of the client would defeat that: the build then fails, to be taught the new form.
 */
async function clientImports() {
  const root = join(dist, '..', '..', '..');
  const names = new Set();
  for (const group of ['packages', 'plugins']) {
    for (const pkg of await readdir(join(root, group))) {
      const files = await readdir(join(root, group, pkg, 'dist'), { recursive: true }).catch(() => []);
      for (const file of files.filter((f) => f.endsWith('.js'))) {
        const text = await readFile(join(root, group, pkg, 'dist', file), 'utf8');
        if (!text.includes('@kubernetes/client-node')) continue;
        if (/import\s+(\*|\w+)[^;]*from\s*['"]@kubernetes\/client-node['"]/.test(text)) throw new Error(`${group}/${pkg}/dist/${file}: imports the Kubernetes client whole; bundle.mjs reads named imports only`);
        for (const [, list] of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]@kubernetes\/client-node['"]/g)) {
          for (const item of list.split(',')) if (item.trim()) names.add(item.trim().split(/\s+as\s+/)[0]);
        }
      }
    }
  }
  return [...names].sort();
}

const client = await build({
  ...common,
  entryPoints: { 'kact-kubernetes-client': 'kubernetes-client' },
  outdir: dist,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  banner: { js: '"use strict";' },
  plugins: [
    {
      name: 'kubernetes-client',
      setup(bundle) {
        bundle.onResolve({ filter: /^kubernetes-client$/ }, () => ({ path: 'kubernetes-client', namespace: 'kact-engine' }));
        bundle.onLoad({ filter: /^kubernetes-client$/, namespace: 'kact-engine' }, async () => ({
          contents: `export { ${(await clientImports()).join(', ')} } from '@kubernetes/client-node';`,
          resolveDir: dist,
          loader: 'js',
        }));
      },
    },
  ],
  logOverride: { ...STRICT_IMPORTS, 'empty-import-meta': 'error' },
});
const clientFile = client.outputFiles.find((file) => file.path.endsWith('.cjs')).path;

/** In the engine, the Kubernetes client is the file above, required where @kact/kubernetes imports it. */
const clientOutside = {
  name: 'kubernetes-client-outside',
  setup(bundle) {
    bundle.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: `./${basename(clientFile)}`, external: true }));
  },
};

const engine = await build({
  ...common,
  entryPoints: { 'kact-engine': join(dist, 'commands', 'load.js') },
  outdir: dist,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // ES modules are strict code: so is the engine. Their import.meta.url is the engine's.
  banner: { js: '"use strict";const __kactEngineUrl=require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__kactEngineUrl' },
  plugins: [engineModules, clientOutside],
  logOverride: { ...STRICT_IMPORTS, 'empty-import-meta': 'error' },
});
const engineFile = engine.outputFiles.find((file) => file.path.endsWith('.cjs')).path;
const leftImports = Object.values(engine.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external && i.kind === 'dynamic-import'));
if (leftImports.length > 0) throw new Error(`the engine would import() at run time, which Node 20 refuses there: ${leftImports.map((i) => i.path).join(', ')}`);

/** main.js's and eval-command.js's commands/load.js, in dist/kact.cjs: the engine, through the code cache. */
const engineLoader = {
  name: 'engine-loader',
  setup(bundle) {
    bundle.onResolve({ filter: EXTERNAL_COMMANDS }, ({ path, importer }) => (dirname(importer) === dist ? { path, external: true } : undefined));
    bundle.onResolve({ filter: /^\.\/commands\/load\.js$/ }, ({ importer }) => (fromDist(importer) ? { path: 'engine', namespace: 'kact-engine' } : undefined));
    bundle.onLoad({ filter: /^engine$/, namespace: 'kact-engine' }, () => ({
      resolveDir: dist,
      loader: 'js',
      contents: `
        import { fileURLToPath } from 'node:url';
        import { requireWithCodeCache } from './code-cache.js';
        import { importModule } from './import-module.js';
        const file = fileURLToPath(new URL(${JSON.stringify(`./${basename(engineFile)}`)}, import.meta.url));
        let engine;
        const load = (key) => (engine ??= requireWithCodeCache(file, { key, importModule })).loadCommands[key]();
        export const loadCommands = new Proxy({}, { get: (_, key) => () => load(key) });
      `,
    }));
  },
};

const front = await build({
  ...common,
  entryPoints: { kact: join(dist, 'main.js') },
  outdir: dist,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  banner: { js: '"use strict";const __kactFrontUrl=require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__kactFrontUrl' },
  plugins: [engineLoader],
  logOverride: { ...STRICT_IMPORTS, 'empty-import-meta': 'error' },
});

// kact may be running from dist/ while this builds (a conformance run spawns it per case): each
// file is swapped in whole, each before the one that names it (client, engine, dist/kact.cjs),
// and the files of the previous build go last.
const swapIn = async (file) => {
  await writeFile(`${file.path}.tmp`, file.contents);
  await rename(`${file.path}.tmp`, file.path);
};
const outputs = [client, engine, front].flatMap((result) => result.outputFiles);
for (const file of outputs) await swapIn(file);
const written = new Set(outputs.map((file) => basename(file.path)));
for (const name of await readdir(dist)) if (GENERATED.test(name) && !written.has(name)) await rm(join(dist, name), { force: true });
