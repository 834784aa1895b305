import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeBackend, type CompositionFlags } from './composition.js';
import { emptyConfig, parseKactConfig } from './config/kact-config.js';
import { KUBE_TOKENS } from '@kact/kubernetes/tokens';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');

// A cluster nobody answers on: composing loads this kubeconfig for a run and contacts no API server.
const work = mkdtempSync(join(tmpdir(), 'kact-composition-'));
const kubeconfig = join(work, 'config');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: ns}}]\ncurrent-context: x\n',
);

const flags = (more: Partial<CompositionFlags> = {}): CompositionFlags => ({ plugins: [], platform: [], cwd: work, repoRoot: work, config: emptyConfig(), ...more });

describe('a dry run composes without the cluster', () => {
  const configs = {
    defaults: emptyConfig(),
    alternatives: parseKactConfig('env: inline\nsecrets: { from: secret/ci }\nservices: pods\nfiles: { toolCache: { claim: tools } }\n', join(work, 'kact.config.yaml')),
  };
  it.each([
    ['exec', 'defaults'],
    ['sidecar', 'defaults'],
    ['exec', 'alternatives'],
  ] as const)('names the modules a run would use: %s, %s', async (strategy, config) => {
    const plugins = [join(fixtures, 'timing-plugin.mjs')];
    const run = await composeBackend(flags({ strategy, plugins, config: configs[config], kubeconfig }));
    const dryRun = await composeBackend(flags({ strategy, plugins, config: configs[config], kubeconfig: join(work, 'no-such-kubeconfig'), dryRun: true }));
    expect(dryRun.modules).toEqual(run.modules);
    expect(dryRun.modules.strategy).toBe(`timed(${strategy})`);
    expect(run.connection.namespace).toBe('ns');
  });

  it('binds stand-ins that say so when a run would use them', async () => {
    const composed = await composeBackend(flags({ dryRun: true }));
    expect(() => composed.connection.namespace).toThrow(/^KUBE_TOKENS\.Connection\.namespace: kact run --dry-run loads no kubeconfig and talks to no cluster/);
    expect(() => composed.backend.stopJob).toThrow(/^kact\.JobBackend\.stopJob: kact run --dry-run/);
    await expect(composed.strategy.runProcess(undefined as never, undefined as never, () => {}, new AbortController().signal)).rejects.toThrow(/^step strategy exec: kact run --dry-run/);
  });

  it('still checks the config and the plugins', async () => {
    const badSecret = parseKactConfig('secrets: { from: secret/Not_A_Name }\n', join(work, 'kact.config.yaml'));
    await expect(composeBackend(flags({ config: badSecret, dryRun: true }))).rejects.toThrow(/secrets\.from: "secret\/Not_A_Name" is not a Secret/);
    await expect(composeBackend(flags({ plugins: [join(fixtures, 'unbound-plugin.mjs')], dryRun: true }))).rejects.toThrow(/depends on acme\.StepClock, which nothing binds/);
    await expect(composeBackend(flags({ strategy: 'nope', dryRun: true }))).rejects.toThrow(/--strategy nope: unknown; built in: exec, sidecar/);
  });
});
