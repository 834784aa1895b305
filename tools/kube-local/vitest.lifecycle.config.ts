import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.js';

// `kube-local down` then `up`: run alone, after every other test (tools/test/run.sh). Its JSON report
// lands in .kact/test-results/tools-kube-local-lifecycle.json beside the packages' reports.
const dir = dirname(fileURLToPath(import.meta.url));
const config = packageTestConfig(join(dir, 'lifecycle'), {
  include: ['test/lifecycle/**/*.test.ts'],
  testTimeout: 300_000,
});
export default { ...config, test: { ...config.test, root: dir } };
