import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReachable, ClusterUnreachableError, connectToCluster, messageOf } from './connection.js';

const kubeconfig = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kact-kc-'));
  const path = join(dir, 'config');
  await writeFile(
    path,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\n' +
      'contexts: [{name: x, context: {cluster: c, user: u, namespace: ci}}, {name: y, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  return path;
};

describe('connectToCluster', () => {
  it('takes context and namespace from the kubeconfig, flags win', async () => {
    const path = await kubeconfig();
    expect(connectToCluster({ kubeconfig: path })).toMatchObject({ context: 'x', namespace: 'ci', server: 'https://127.0.0.1:1' });
    expect(connectToCluster({ kubeconfig: path, context: 'y' })).toMatchObject({ context: 'y', namespace: 'default' });
    expect(connectToCluster({ kubeconfig: path, context: 'y', namespace: 'n' }).namespace).toBe('n');
  });

  it('names the contexts there are when the asked one is missing', async () => {
    const path = await kubeconfig();
    expect(() => connectToCluster({ kubeconfig: path, context: 'z' })).toThrow('kubeconfig has no context "z" (has: x, y)');
  });

  it('says in one line which server of which context cannot be reached', async () => {
    const connection = connectToCluster({ kubeconfig: await kubeconfig() });
    const error = await checkReachable(connection, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterUnreachableError);
    expect((error as Error).message).toMatch(/^cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context "x"\): .+$/);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('messageOf', () => {
  it("reads the API server's Status message out of a client error, with the HTTP code", () => {
    const error = Object.assign(new Error('HTTP-Code: 404\nMessage: Unknown API Status Code!\nBody: …'), { code: 404, body: JSON.stringify({ kind: 'Status', message: 'pods "p" not found' }) });
    expect(messageOf(error)).toBe('pods "p" not found (HTTP 404)');
  });

  it("names a socket error's code, else the first line of the message", () => {
    expect(messageOf(new Error('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }))).toBe('ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1');
    expect(messageOf(Object.assign(new Error('first line\nsecond'), { code: 500, body: 'not json' }))).toBe('first line');
    expect(messageOf('plain')).toBe('plain');
  });
});
