import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

export default mergeConfig(packageTestConfig(dirname(fileURLToPath(import.meta.url))), {
  // Tests import the .ts sources, where no Node hook is registered (src/github-parser.ts): Vite
  // loads GitHub's parser itself so its JSON import without an attribute works. The hook is
  // tested on plain Node by json-import-hook.test.ts.
  test: { server: { deps: { inline: [/@actions\/workflow-parser/] } } },
  // The inlined parser's source maps point at sources npm does not ship; Vite would warn per file.
  logLevel: 'error',
});
