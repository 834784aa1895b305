import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The test setup every package shares: tests beside the code, and a JSON report per package
 * that tools/test/summary.mjs adds up into the one closing line CI reads.
 */
export function packageTestConfig(packageDir: string, overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    test: {
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      reporters: ['default', 'json'],
      outputFile: { json: join(root, '.kact/test-results', `${relative(root, packageDir).replace(/[\\/]/g, '-')}.json`) },
    },
  });
}
