import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// test/lifecycle/ (kube-local down, then up) is not in here: it would pull the cluster out from
// under every other package's cluster tests. tools/test/run.sh runs it after them, on its own,
// with vitest.lifecycle.config.ts.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), {
  include: ['test/*.test.ts'],
  testTimeout: 120_000,
});
