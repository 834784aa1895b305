import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR, loadCases, REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import type { Cluster } from '../src/cluster-providers/cluster-provider.js';
import { runConformance, type CaseResult } from '../src/suite.js';
import { passTable } from '../src/table.js';
import { BUILT_IN_VARIANTS, variantsNamed } from '../src/variants.js';

// Every case under both built-in strategies and every alternative module (or the variants
// KACT_CONFORMANCE_VARIANTS=exec,env:inline,… names), on kube-local.
const names = process.env.KACT_CONFORMANCE_VARIANTS?.split(',').map((s) => s.trim()).filter(Boolean) ?? BUILT_IN_VARIANTS.map((v) => v.name);
const variants = variantsNamed(names);
const provider = new LocalProvider({ repoRoot: REPO_ROOT, up: process.env.KACT_CONFORMANCE_UP === '1' });
const availability = await provider.check();
if (!availability.available) console.log(`conformance suite skipped: ${availability.reason}`);

const cases = await loadCases(undefined, process.env.KACT_CONFORMANCE_FILTER ? new RegExp(process.env.KACT_CONFORMANCE_FILTER) : undefined);
const known = (parse(readFileSync(join(CONFORMANCE_DIR, 'known-failures.yaml'), 'utf8')) ?? {}) as Record<string, Record<string, string>>;

describe.skipIf(!availability.available)(`conformance on kube-local (${names.join(', ')})`, () => {
  let cluster: Cluster;
  let results: CaseResult[] = [];
  const started = Date.now();

  beforeAll(async () => {
    cluster = await provider.start();
    results = await runConformance({ variants, cluster, filter: (name) => cases.some((c) => c.name === name), concurrency: 2 });
    console.log(`\n${cluster.description}\n${passTable(results)}\nsuite time ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }, 40 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  for (const c of cases) {
    for (const variant of names) {
      const bug = known[c.name]?.[variant];
      const test = bug ? it.fails : it;
      test(`${c.name} [${variant}]${bug ? ` (known kact bug: ${bug})` : ''}`, () => {
        const r = results.find((x) => x.case === c.name && x.variant === variant);
        expect(r, 'the case ran').toBeDefined();
        expect(r!.problems.length === 0 || r!.status === 'n/a' ? [] : r!.problems).toEqual([]);
      });
    }
  }
});
