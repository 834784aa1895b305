import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// Cluster tests start pods: a longer per-test budget than the shared default.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { testTimeout: 90_000 });
