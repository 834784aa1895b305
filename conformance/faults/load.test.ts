import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCaseRepo } from '../src/case-repo.js';
import { REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import type { Cluster } from '../src/cluster-providers/cluster-provider.js';
import { runKact } from '../src/kact-process.js';
import { findLeftovers } from '../src/leftovers.js';
import { ownNamespace, type OwnNamespace } from './own-namespace.js';

// Issue 14: load held. A 30-leg matrix of 20 steps each (fixtures/load), every leg at once
// (--concurrent-jobs 30, no max-parallel), under each strategy: every leg's full log and result
// is reported, and once the run is over kact holds no socket, watch or timer (its --verbose
// closing line), with the peak RSS it needed recorded in the test output.

const KACT_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'load');
const LEGS = 30;
const STEPS = 20;

const provider = new LocalProvider({ repoRoot: REPO_ROOT });
const availability = await provider.check();
if (!availability.available) console.log(`load test skipped: ${availability.reason}`);

interface Report {
  result: string;
  jobs: Array<{ name: string; result: string; matrix: { n?: number }; steps: Array<{ name: string; conclusion: string }> }>;
}

describe.skipIf(!availability.available)(`load: ${LEGS} legs × ${STEPS} steps at once (issue 14)`, () => {
  let own: OwnNamespace | undefined;
  let cluster: Cluster;
  let namespace: string;
  beforeAll(async () => {
    expect(existsSync(join(REPO_ROOT, 'packages', 'cli', 'dist')), 'the test runs the built kact: npx nx run-many -t build').toBe(true);
    own = await ownNamespace(provider, 'kact-load');
    ({ cluster, namespace } = own);
  });
  afterAll(async () => {
    await own?.remove();
  });

  it.each(['exec', 'sidecar'])('under %s: every leg and every step reported once, nothing held open at the end', async (strategy) => {
    const repo = await prepareCaseRepo(FIXTURE, `load-${strategy}`, {}, []);
    try {
      const json = join(repo.root, 'report.json');
      const started = Date.now();
      const run = await runKact({
        bin: KACT_BIN,
        args: ['run', '-C', repo.repo, '--strategy', strategy, '--kubeconfig', cluster.kubeconfig, '--namespace', namespace, '--concurrent-jobs', String(LEGS), '--json', json, '--verbose', '--no-cache-server'],
        cwd: repo.repo,
        timeoutMs: 15 * 60_000,
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const resources = /kact: (peak RSS \d+ MiB; open at the end: .*)$/m.exec(run.output)?.[1];
      console.log(`load under ${strategy}: ${LEGS}×${STEPS} steps in ${seconds} s; ${resources ?? 'no resource line'}`);
      expect(run.exit, run.output.slice(-4000)).toBe(0);

      // The log: each leg's each step printed exactly once.
      for (let n = 1; n <= LEGS; n++) {
        const steps = [...run.output.matchAll(new RegExp(`\\| leg ${n} step (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
        expect(steps, `leg ${n}`).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      }
      // The report: every leg, every step, a success.
      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      expect(report.result).toBe('success');
      expect(report.jobs.map((j) => j.matrix.n).sort((a, b) => a! - b!)).toEqual(Array.from({ length: LEGS }, (_, i) => i + 1));
      for (const job of report.jobs) {
        expect(job.result, job.name).toBe('success');
        expect(job.steps.filter((s) => s.conclusion === 'success'), job.name).toHaveLength(STEPS);
      }
      expect(resources).toMatch(/open at the end: nothing$/);
      const runId = /"runId":\s*"([0-9a-f]+)"/.exec(readFileSync(json, 'utf8'))?.[1] ?? '';
      expect(await findLeftovers({ ...cluster, namespace }, runId)).toEqual([]);
    } finally {
      await repo.remove();
    }
  });
});
