import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import { runKact, type KactExit } from '../src/kact-process.js';

const provider = new LocalProvider({ repoRoot: REPO_ROOT });
const availability = await provider.check();
if (!availability.available) console.log(`kact's own CI workflow not run: ${availability.reason}`);

// kact's own .github/workflows/ci.yml, run offline by kact on the local cluster, as its header says.
describe.skipIf(!availability.available)("kact runs its own CI workflow offline", () => {
  let run: KactExit;
  let result: { result: string; jobs: { jobId: string; result: string }[] };

  beforeAll(async () => {
    const cluster = await provider.start();
    const json = join(mkdtempSync(join(tmpdir(), 'kact-own-ci-')), 'result.json');
    run = await runKact({
      bin: join(REPO_ROOT, 'packages/cli/bin/kact.js'),
      args: ['run', '-W', '.github/workflows/ci.yml', '--var', 'OFFLINE=true', '--kubeconfig', cluster.kubeconfig, '--json', json],
      cwd: REPO_ROOT,
      timeoutMs: 180_000,
    });
    result = JSON.parse(readFileSync(json, 'utf8')) as typeof result;
  }, 200_000);

  it('passes its offline checks and skips the suites that need a cluster of their own', () => {
    expect(run.exit, run.output).toBe(0);
    expect(result.jobs.map((j) => [j.jobId, j.result])).toEqual([
      ['checks', 'success'],
      ['suite', 'skipped'],
      ['conformance-k3s', 'skipped'],
    ]);
    expect(run.output).toMatch(/\d+ cases/);
  });
});
