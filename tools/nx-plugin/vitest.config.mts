import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// .mts: this package is CommonJS (nx loads generators with require), its test config is ESM.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)));
