import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

const here = dirname(fileURLToPath(import.meta.url));

// test/ runs the interpreter on @kact/testing's doubles, taken from that package's source (it
// depends on @kact/core, so core cannot depend on it). Their `@kact/core` is this package's
// source, so the tests exercise src/ and never need — or mix in — core's built dist.
export default mergeConfig(packageTestConfig(here), {
  resolve: { alias: [{ find: /^@kact\/core$/, replacement: join(here, 'src/index.ts') }] },
});
