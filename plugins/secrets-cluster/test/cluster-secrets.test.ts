import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterForTests, type KubeConnection } from '@kact/kubernetes';
import { ClusterSecrets } from '../src/cluster-secrets.js';

const cluster = await clusterForTests('cluster secrets tests');

const suffix = randomBytes(4).toString('hex');
const secretName = `kact-it-secrets-${suffix}`;
// No kact labels: a user's Secret has none, and `kact gc` in other tests must not take it.
const VALUES = { TOKEN: 't0k3n', MULTI_LINE: 'first\nsecond\n', JSON_SHAPED: '{"user":"ci","scopes":["read","write"]}', EMPTY: '' };

/** The same cluster as a service account that no Role grants anything: every read is forbidden. */
async function connectionWithoutRights(connection: KubeConnection, account: string): Promise<KubeConnection> {
  const { core, namespace } = connection;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } });
  const { status } = await core.createNamespacedServiceAccountToken({ name: account, namespace, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const config = new KubeConfig();
  const server = connection.config.getCurrentCluster()!;
  config.loadFromOptions({
    clusters: [server],
    users: [{ name: account, token: status!.token }],
    contexts: [{ name: account, cluster: server.name, user: account, namespace }],
    currentContext: account,
  });
  return { config, namespace, context: account, server: server.server, core: config.makeApiClient(CoreV1Api) };
}

describe.skipIf(!cluster)('ClusterSecrets on the local cluster', () => {
  const connection = cluster!;
  const { core, namespace } = connection;

  beforeAll(async () => {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: secretName }, type: 'Opaque', stringData: VALUES } });
  });
  afterAll(async () => {
    await Promise.allSettled([core.deleteNamespacedSecret({ name: secretName, namespace }), core.deleteNamespacedServiceAccount({ name: secretName, namespace })]);
  });

  it('loads every key of the Secret, -s values winning', async () => {
    const secrets = new ClusterSecrets(connection, `secret/${secretName}`);
    expect(await secrets.load({ TOKEN: 'from-flag', GIVEN: 'g' })).toEqual({ ...VALUES, TOKEN: 'from-flag', GIVEN: 'g' });
    expect(secrets.jobSecret()).toEqual({});
  });

  it('names a missing Secret, its namespace and where it was asked for', async () => {
    const missing = new ClusterSecrets(connection, `${secretName}-missing`);
    await expect(missing.load({})).rejects.toThrow(`secret/${secretName}-missing not found in namespace ${namespace} (secrets.from in kact.config.yaml)`);
  });

  it('names the missing permission when kact may not read Secrets', async () => {
    const forbidden = new ClusterSecrets(await connectionWithoutRights(connection, secretName), secretName);
    await expect(forbidden.load({})).rejects.toThrow(`cannot read secret/${secretName} in namespace ${namespace}: missing permission "get secrets" (`);
  });
});
