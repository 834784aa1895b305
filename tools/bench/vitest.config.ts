import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// The cluster smoke test runs a whole (short) benchmark: a longer per-test budget.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { testTimeout: 600_000 });
