import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../src/cases.js';

describe('conformance cases', () => {
  it('every case has a workflow and a well-formed expect.yaml, and there are at least 40', async () => {
    const cases = await loadCases();
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) {
      const workflows = join(c.dir, '.github', 'workflows');
      expect(existsSync(workflows) && readdirSync(workflows).some((f) => /\.ya?ml$/.test(f)), `${c.name} has a workflow`).toBe(true);
      expect(c.expect.description.length, `${c.name} has a description`).toBeGreaterThan(0);
      for (const a of c.expect.remoteActions) expect(existsSync(join(c.dir, a.from)), `${c.name}: ${a.from} exists`).toBe(true);
    }
  });
});
