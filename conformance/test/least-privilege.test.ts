// kact under exactly the Roles docs/rbac/ documents, as a user bound to them: a ServiceAccount of
// a fresh namespace, its token in a kubeconfig of its own, no cluster-wide right at all. A run
// with a service, a node action, a docker step and an artifact (so the reverse tunnel: the
// ServiceAccount may not list nodes) must succeed under each strategy and leave nothing behind.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Role } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { prepareCaseRepo } from '../src/case-repo.js';
import { REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import type { Cluster } from '../src/cluster-providers/cluster-provider.js';
import { runKact } from '../src/kact-process.js';
import { findLeftovers } from '../src/leftovers.js';

const provider = new LocalProvider({ repoRoot: REPO_ROOT, up: process.env.KACT_CONFORMANCE_UP === '1' });
const availability = await provider.check();
if (!availability.available) console.log(`least-privilege test skipped: ${availability.reason}`);

const STRATEGIES = ['exec', 'sidecar'] as const;
const namespace = `kact-rbac-${randomBytes(3).toString('hex')}`;

describe.skipIf(!availability.available)('kact under the documented least-privilege Role', () => {
  let cluster: Cluster;
  let core: CoreV1Api;
  const kubeconfigs = new Map<string, string>();
  const scratch: Array<{ remove(): Promise<void> }> = [];

  beforeAll(async () => {
    cluster = await provider.start();
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfig);
    core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'kact.dev/test': 'least-privilege' } } } });
    // The default ServiceAccount appears a moment after the namespace; pods need it.
    for (let i = 0; i < 100 && !(await core.readNamespacedServiceAccount({ namespace, name: 'default' }).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 100));
    const server = admin.getCurrentCluster()!;
    for (const strategy of STRATEGIES) {
      const role = parse(await readFile(join(REPO_ROOT, 'docs', 'rbac', `kact-${strategy}.yaml`), 'utf8')) as V1Role;
      const name = `kact-${strategy}`;
      await rbac.createNamespacedRole({ namespace, body: { ...role, metadata: { name } } });
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }] },
      });
      const token = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { expirationSeconds: 3600, audiences: [] } } });
      const file = join(REPO_ROOT, '.kact', `least-privilege-${strategy}.kubeconfig`);
      await writeFile(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'local', cluster: { server: server.server, 'certificate-authority-data': server.caData ?? (server.caFile ? (await readFile(server.caFile)).toString('base64') : undefined) } }],
          users: [{ name, user: { token: token.status!.token } }],
          contexts: [{ name, context: { cluster: 'local', user: name, namespace } }],
          'current-context': name,
        }),
        { mode: 0o600 },
      );
      kubeconfigs.set(strategy, file);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(scratch.map((s) => s.remove()));
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  }, 60_000);

  it.each(STRATEGIES)('runs a service, a node action, a docker step and an artifact upload under the %s Role alone', async (strategy) => {
    const repo = await prepareCaseRepo(join(REPO_ROOT, 'conformance', 'test', 'fixtures', 'least-privilege'), `least-privilege-${strategy}`, {}, [
      { repo: 'actions/upload-artifact', ref: 'v4', from: '@stand-in/upload-artifact' },
    ]);
    scratch.push(repo);
    const ran = await runKact({
      bin: join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js'),
      args: ['run', '-C', repo.repo, '--kubeconfig', kubeconfigs.get(strategy)!, '--strategy', strategy, '--actions-url', repo.actionsUrl, '--action-cache-path', repo.actionCache, '--artifact-server-path', join(repo.root, 'artifacts'), '--cache-server-path', join(repo.root, 'cache'), '--verbose'],
      cwd: repo.repo,
      timeoutMs: 240_000,
    });
    const summary = ran.output.split('\n').slice(-40).join('\n');
    expect({ exit: ran.exit, missing: ['run step ran', 'node action ran', 'docker step ran', 'Artifact least-privilege has been successfully uploaded!', '(reverse tunnel through pod kact-'].filter((t) => !ran.output.includes(t)) }, summary).toEqual({ exit: 0, missing: [] });
    const runId = /served at .*? \(reverse tunnel through pod kact-([0-9a-f]+)-tunnel\)/.exec(ran.output)?.[1];
    expect(runId, 'the run id, from the tunnel line').toBeTruthy();
    expect(await findLeftovers({ ...cluster, namespace }, runId!)).toEqual([]);
  }, 300_000);
});
