import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionSource } from '../src/case-repo.js';
import { loadCases } from '../src/cases.js';

describe('conformance cases', () => {
  it('every case has a workflow and a well-formed expect.yaml, and there are at least 40', async () => {
    const cases = await loadCases();
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) {
      const workflows = join(c.dir, '.github', 'workflows');
      expect(existsSync(workflows) && readdirSync(workflows).some((f) => /\.ya?ml$/.test(f)), `${c.name} has a workflow`).toBe(true);
      expect(c.expect.description.length, `${c.name} has a description`).toBeGreaterThan(0);
      // A stand-in resolves to the package's build of it (actionSource throws naming the build when missing).
      for (const a of c.expect.remoteActions) expect(existsSync(join(actionSource(c.dir, a.from), 'action.yml')), `${c.name}: ${a.from} has an action.yml`).toBe(true);
    }
  });
});
