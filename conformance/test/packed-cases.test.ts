import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { prepareCaseRepo, STORED_NAMES } from '../src/case-repo.js';
import { CASES_DIR, CONFORMANCE_DIR, loadCases } from '../src/cases.js';

const run = promisify(execFile);

/** Every file under `dir`, relative to the package, with / separators (as npm lists them). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(CONFORMANCE_DIR, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe('the suite ships its cases intact', () => {
  it('npm pack keeps every file of every case (a case stores .gitignore as gitignore)', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: CONFORMANCE_DIR, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
    expect(packed?.name).toBe('@kact/conformance');
    const inTarball = new Set(packed!.files.map((f) => f.path));
    const cases = filesUnder(CASES_DIR);
    expect(cases.length).toBeGreaterThan(100);
    expect(cases.filter((f) => !inTarball.has(f)), 'case files npm pack leaves out').toEqual([]);
  }, 60_000);

  it('prepareCaseRepo gives a stored gitignore its real name, and git obeys it', async () => {
    const [c] = await loadCases(undefined, /^checkout-own$/);
    expect(existsSync(join(c!.dir, 'gitignore')), 'checkout-own stores its ignore file as gitignore').toBe(true);
    expect(STORED_NAMES).toEqual({ gitignore: '.gitignore' });
    const repo = await prepareCaseRepo(c!.dir, c!.name, c!.expect.files, c!.expect.remoteActions);
    try {
      expect(existsSync(join(repo.repo, '.gitignore'))).toBe(true);
      expect(existsSync(join(repo.repo, 'gitignore'))).toBe(false);
      const { stdout: ignored } = await run('git', ['check-ignore', 'build/output.bin', 'local.env'], { cwd: repo.repo });
      expect(ignored.trim().split('\n')).toEqual(['build/output.bin', 'local.env']);
      const { stdout: tracked } = await run('git', ['ls-files'], { cwd: repo.repo });
      expect(tracked).toContain('.gitignore');
    } finally {
      await repo.remove();
    }
  });
});
