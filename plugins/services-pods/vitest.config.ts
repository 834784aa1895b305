import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// The cluster test starts three pods and two Services: a longer per-test budget than the shared default.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { testTimeout: 120_000 });
