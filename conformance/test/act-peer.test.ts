import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACT_PEER_DIR, actPeerTable, runActPeer, type ActRowResult } from '../src/act-peer.js';
import { REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';

/** Rows passing today: a regression below this fails the test; raise it as kact improves. */
const PASS_FLOOR = 63;

const provider = new LocalProvider({ repoRoot: REPO_ROOT, up: process.env.KACT_CONFORMANCE_UP === '1' });
const availability = await provider.check();
const hasPeerSuite = existsSync(join(ACT_PEER_DIR, 'act-cases.tsv'));
const skipReason = !hasPeerSuite ? `no act peer suite at ${ACT_PEER_DIR}` : !availability.available ? availability.reason : undefined;
if (skipReason) console.log(`act peer suite skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('act peer runner cases (exec, kube-local)', () => {
  let results: ActRowResult[] = [];

  beforeAll(async () => {
    const started = Date.now();
    const cluster = await provider.start();
    results = await runActPeer({ cluster, concurrency: 2 });
    console.log(`\n${actPeerTable(results)}\nact peer time ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }, 40 * 60_000);

  it('classifies every row as runnable or gives a reason', () => {
    expect(results.length).toBeGreaterThan(90);
    for (const r of results) if (r.status === 'not runnable') expect(r.reason, `${r.row.dir}`).toBeTruthy();
  });

  it(`passes at least ${PASS_FLOOR} runnable rows (the floor; failing rows are listed above)`, () => {
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(PASS_FLOOR);
  });
});
