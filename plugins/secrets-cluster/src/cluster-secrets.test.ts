import { ApiException } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { TOKENS, type SecretProvider } from '@kact/core';
import { KUBE_TOKENS, type KubeConnection } from '@kact/kubernetes';
import { ClusterSecrets } from './cluster-secrets.js';
import { secretsFromCluster } from './index.js';
import { secretNameOf } from './secret-name.js';

/** A connection whose only API call answers from `read`. */
function connectionReading(read: () => Promise<unknown>): KubeConnection {
  return { namespace: 'ci', core: { readNamespacedSecret: read } } as unknown as KubeConnection;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('secretNameOf', () => {
  it.each([
    ['secret/ci-tokens', 'ci-tokens'],
    ['ci-tokens', 'ci-tokens'],
    ['team.ci.tokens', 'team.ci.tokens'],
    ['0', '0'],
  ])('reads %s as %s', (from, name) => expect(secretNameOf(from)).toBe(name));

  it.each(['', 'secret/', 'CI-Tokens', 'secrets/ci', 'configmap/ci', '-ci', 'ci-', 'ci..tokens', 'ci_tokens', 'ci tokens', 'a\nb', 'a'.repeat(254)])(
    'refuses %j in one line',
    (from) => {
      expect(() => secretNameOf(from)).toThrow(/^secrets\.from: .* is not a Secret; expected secret\/NAME or NAME, NAME a DNS-1123 subdomain/);
      expect(() => secretNameOf(from)).not.toThrow(/\n/);
    },
  );

  it('the factory refuses a bad name when the config is read', () => {
    expect(() => secretsFromCluster('secret/Bad_Name')).toThrow(/"secret\/Bad_Name" is not a Secret/);
  });
});

describe('ClusterSecrets', () => {
  it('keeps no value in the job Secret', () => {
    const secrets = new ClusterSecrets(connectionReading(async () => ({})), 'ci-tokens');
    expect(secrets.name).toBe('cluster');
    expect(secrets.jobSecret()).toEqual({});
  });

  it('decodes the Secret and lets -s values win over it', async () => {
    const asked: unknown[] = [];
    const secrets = new ClusterSecrets(
      connectionReading(async (...args: unknown[]) => {
        asked.push(...args);
        return { data: { TOKEN: base64('from-cluster'), MULTI: base64('a\nb'), OVERRIDDEN: base64('cluster') } };
      }),
      'secret/ci-tokens',
    );
    expect(await secrets.load({ OVERRIDDEN: 'flag', ONLY_GIVEN: 'x' })).toEqual({ TOKEN: 'from-cluster', MULTI: 'a\nb', OVERRIDDEN: 'flag', ONLY_GIVEN: 'x' });
    expect(asked).toEqual([{ name: 'ci-tokens', namespace: 'ci' }]);
  });

  it('reads a Secret without data as no secrets', async () => {
    expect(await new ClusterSecrets(connectionReading(async () => ({})), 'empty').load({})).toEqual({});
  });

  it.each([
    [404, 'secrets "ci-tokens" not found', 'secret/ci-tokens not found in namespace ci (secrets.from in kact.config.yaml)'],
    [403, 'secrets "ci-tokens" is forbidden', 'cannot read secret/ci-tokens in namespace ci: missing permission "get secrets" (secrets "ci-tokens" is forbidden (HTTP 403))'],
    [500, 'etcdserver: request timed out', 'cannot read secret/ci-tokens in namespace ci: etcdserver: request timed out (HTTP 500)'],
  ])('explains HTTP %i in one line', async (code, serverMessage, message) => {
    const failure = new ApiException(code, 'HTTP error', { message: serverMessage }, {});
    const secrets = new ClusterSecrets(connectionReading(() => Promise.reject(failure)), 'ci-tokens');
    await expect(secrets.load({})).rejects.toThrow(message);
  });

  it('is what the factory binds, on the backend module’s connection', () => {
    const container = new Container();
    container.bind(KUBE_TOKENS.Connection).toConstantValue(connectionReading(async () => ({})));
    container.loadSync(secretsFromCluster('secret/ci-tokens'));
    const provider = container.get<SecretProvider>(TOKENS.SecretProvider);
    expect(provider).toBeInstanceOf(ClusterSecrets);
    expect(container.get(TOKENS.SecretProvider)).toBe(provider);
  });
});
