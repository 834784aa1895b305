import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The inlined parser's source maps point at sources npm does not ship; Vite would warn per file.
  logLevel: 'error',
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    // Tests import the .ts sources, where no Node hook is registered: let Vite load GitHub's
    // parser so its extension-less JSON import works (json-import-hook.test.ts checks the hook).
    server: { deps: { inline: [/@actions\/workflow-parser/] } },
  },
});
