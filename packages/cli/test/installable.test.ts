import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterForTests } from '@kact/kubernetes';

// kact as a user outside this monorepo gets it: every package packed, the tarballs installed
// into an empty project with one `npm install`, kact run from there.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const fixtures = join(here, 'fixtures');

/** @kact/cli and every @kact package it needs, transitively (the tarballs a user installs). */
function neededPackages(): string[] {
  const workspaces = new Map<string, Record<string, string>>();
  for (const dir of ['packages', 'plugins']) {
    for (const name of readdirSync(join(root, dir))) {
      const manifest = JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
      workspaces.set(manifest.name, manifest.dependencies ?? {});
    }
  }
  for (const dir of ['conformance', 'tools/bench']) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
    workspaces.set(manifest.name, manifest.dependencies ?? {});
  }
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !workspaces.has(name)) return;
    needed.add(name);
    for (const dep of Object.keys(workspaces.get(name)!)) visit(dep);
  };
  visit('@kact/cli');
  return [...needed];
}

const cluster = await clusterForTests('the installed kact on the cluster');

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('packed and installed into an empty project', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kact-installable-'));
  const tarballs = join(work, 'tarballs');
  const project = join(work, 'project');
  const kact = (...args: string[]) => execFileSync(join(project, 'node_modules', '.bin', 'kact'), args, { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  beforeAll(() => {
    mkdirSync(tarballs);
    mkdirSync(project);
    const packed = JSON.parse(npm(['pack', ...neededPackages().flatMap((p) => ['-w', p]), '--pack-destination', tarballs, '--json'], root)) as Array<{ name: string; filename: string }>;
    // Every @kact package from its tarball, the rest from the registry: one install.
    const overrides = Object.fromEntries(packed.map((p) => [p.name, `file:${join(tarballs, p.filename)}`]));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-user-project', private: true, type: 'module', dependencies: { '@kact/cli': overrides['@kact/cli'] }, overrides }, null, 2));
    npm(['install', '--no-audit', '--no-fund'], project);
    cpSync(join(root, 'examples/hello'), project, { recursive: true });
    // A plugin installed as a package of the project (not of kact's install).
    const plugin = join(project, 'node_modules', 'acme-timing');
    mkdirSync(plugin);
    cpSync(join(fixtures, 'timing-plugin.mjs'), join(plugin, 'index.mjs'));
    writeFileSync(join(plugin, 'package.json'), JSON.stringify({ name: 'acme-timing', version: '1.0.0', type: 'module', exports: { '.': { import: './index.mjs' } } }));
    cpSync(join(fixtures, 'counting-plugin.mjs'), join(project, 'counting.mjs'));
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }), 60_000);

  it('has no @kact package from anywhere but the tarballs', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const kactPackages = Object.entries(lock.packages).filter(([path]) => path.includes('node_modules/@kact/'));
    expect(kactPackages.length).toBe(neededPackages().length);
    for (const [path, entry] of kactPackages) expect(entry.resolved, path).toMatch(/^file:/);
  });

  it('npx kact --version', () => {
    expect(kact('--version').trim()).toMatch(/^kact \d+\.\d+\.\d+ \(plugin contract \d+\)$/);
  });

  it("finds --plugin NAME in the project's node_modules, and a file by path", () => {
    const out = kact('run', '--dry-run', '--plugin', 'acme-timing', '--plugin', './counting.mjs');
    expect(out).toContain('modules: strategy counted(timed(exec)), containers platforms');
  });

  it.skipIf(!cluster)('runs a workflow and the conformance suite with a plugin on the cluster', () => {
    expect(kact('run')).toContain('Run succeeded');
    const table = kact('conformance', '--plugin', './counting.mjs', '--filter', '^(step-outputs|checkout-own)$');
    expect(table).toMatch(/checkout-own +✓/);
    expect(table).toMatch(/step-outputs +✓/);
  }, 300_000);
});
