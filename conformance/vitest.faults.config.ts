import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.js';

// Faults and load on the local cluster: they restart its API server and kubelet and fill it with
// pods, so they run alone, after every other test (tools/test/run.sh), one file at a time. The
// JSON report lands in .kact/test-results/conformance-faults.json beside the packages' reports.
const dir = dirname(fileURLToPath(import.meta.url));
const config = mergeConfig(packageTestConfig(join(dir, 'faults'), { include: ['faults/**/*.test.ts'], testTimeout: 10 * 60_000 }), {
  test: { root: dir, fileParallelism: false, hookTimeout: 5 * 60_000 },
});
export default config;
