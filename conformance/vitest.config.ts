import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.js';

// Cases run on a real cluster: whole suites take minutes, and the two suites (our cases, act's)
// run one after the other so a 2-core machine is not asked for four pods' worth of work at once.
export default mergeConfig(packageTestConfig(dirname(fileURLToPath(import.meta.url)), { testTimeout: 30 * 60_000 }), {
  test: { fileParallelism: false, hookTimeout: 40 * 60_000 },
});
