import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../vitest.shared.js';

// Cases run on a real cluster: whole suites take minutes, not the unit-test default.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { testTimeout: 30 * 60_000 });
