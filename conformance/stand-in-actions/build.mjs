// Bundles each stand-in action (action.yml + main.ts/post.ts) into dist/stand-in-actions/<name>/,
// the way a real action ships: one file per entry point with its npm dependencies inside.
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'stand-in-actions');
await rm(out, { recursive: true, force: true });
for (const name of await readdir(here, { withFileTypes: true })) {
  if (!name.isDirectory()) continue;
  const src = join(here, name.name);
  const dest = join(out, name.name);
  await mkdir(join(dest, 'dist'), { recursive: true });
  await copyFile(join(src, 'action.yml'), join(dest, 'action.yml'));
  const entries = ['main', 'post'].filter((entry) => existsSync(join(src, `${entry}.ts`)));
  await build({
    entryPoints: entries.map((entry) => join(src, `${entry}.ts`)),
    outdir: join(dest, 'dist'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The CommonJS dependencies inside (the Azure SDK, …) call require: give the module one.
    banner: { js: "import { createRequire as kactCreateRequire } from 'node:module'; const require = kactCreateRequire(import.meta.url);" },
    minify: true,
    legalComments: 'none',
    // .mjs: an ES module wherever it is copied, whatever package.json is near.
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
}
