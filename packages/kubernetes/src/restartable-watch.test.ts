import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { restartableWatch, type RestartableWatch, type RestartableWatchOptions } from './restartable-watch.js';

/** One watch request the fake API server got: its query, and the answer to give. */
interface WatchRequest {
  query: URLSearchParams;
  res: ServerResponse;
}

/** A fake API server: each watch request is queued for the test to answer by hand. */
async function fakeApiServer() {
  const requests: WatchRequest[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ query: url.searchParams, res });
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return {
    config,
    requests,
    /** The n-th watch request (0-based), waiting for it to arrive. */
    async request(n: number, timeoutMs = 2000): Promise<WatchRequest> {
      const deadline = Date.now() + timeoutMs;
      while (requests.length <= n) {
        if (Date.now() > deadline) throw new Error(`watch request ${n} did not arrive (got ${requests.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return requests[n]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, type: string, object: unknown): void {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`${JSON.stringify({ type, object })}\n`);
}

const pod = (name: string, resourceVersion: string) => ({ kind: 'Pod', metadata: { name, resourceVersion } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('restartableWatch', () => {
  let api: Awaited<ReturnType<typeof fakeApiServer>> | undefined;
  let watch: RestartableWatch | undefined;
  afterEach(async () => {
    watch?.stop();
    await api?.close();
    api = undefined;
    watch = undefined;
  });

  /** Watches pod `p` on the fake API server; `seen` gets each object's phase and each unrecoverable failure. */
  const watchPodP = (options: Partial<RestartableWatchOptions<unknown>> = {}) => {
    const seen: string[] = [];
    const started = restartableWatch(api!.config, {
      path: '/api/v1/namespaces/ns/pods',
      fieldSelector: 'metadata.name=p',
      retryDelayMs: 10,
      onObject: (phase) => seen.push(phase),
      onUnrecoverable: (message) => seen.push(message),
      ...options,
    });
    watch = started;
    return { seen, watch: started };
  };

  it('watches from the given version, hides bookmarks and restarts from the last version seen when the server closes', async () => {
    api = await fakeApiServer();
    const seen: string[] = [];
    watch = restartableWatch<{ metadata: { name: string } }>(api.config, {
      path: '/api/v1/namespaces/ns/pods',
      fieldSelector: 'metadata.name=p',
      fromVersion: '10',
      onObject: (phase, obj) => seen.push(`${phase} ${obj.metadata.name}`),
      onUnrecoverable: (message) => seen.push(`unrecoverable ${message}`),
    });
    const first = await api.request(0);
    expect(first.query.get('watch')).toBe('true');
    expect(first.query.get('fieldSelector')).toBe('metadata.name=p');
    expect(first.query.get('resourceVersion')).toBe('10');
    expect(first.query.get('allowWatchBookmarks')).toBe('true');
    send(first.res, 'MODIFIED', pod('p', '11'));
    send(first.res, 'BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '15' } });
    first.res.end();

    const second = await api.request(1);
    expect(second.query.get('resourceVersion')).toBe('15');
    send(second.res, 'DELETED', pod('p', '16'));
    await sleep(50);
    expect(seen).toEqual(['MODIFIED p', 'DELETED p']);
  });

  it('starts over from the current state after 410 Gone, in the stream or as the HTTP status', async () => {
    api = await fakeApiServer();
    const { seen } = watchPodP({ fromVersion: '10' });
    const first = await api.request(0);
    send(first.res, 'ERROR', { kind: 'Status', status: 'Failure', message: 'too old resource version: 10 (20)', reason: 'Expired', code: 410 });
    first.res.end();

    const second = await api.request(1);
    expect(second.query.has('resourceVersion')).toBe(false);
    send(second.res, 'ADDED', pod('p', '21'));
    second.res.end();

    const third = await api.request(2);
    expect(third.query.get('resourceVersion')).toBe('21');
    third.res.writeHead(410).end();

    const fourth = await api.request(3);
    expect(fourth.query.has('resourceVersion')).toBe(false);
    expect(seen).toEqual(['ADDED']);
  });

  it('retries other failures and reports 403 and 404 as unrecoverable, once, without retrying', async () => {
    api = await fakeApiServer();
    const { seen: failures } = watchPodP();
    (await api.request(0)).res.writeHead(500).end();
    (await api.request(1)).res.writeHead(403).end();
    await sleep(100);
    expect(failures).toEqual(['Forbidden (HTTP 403)']);
    expect(api.requests).toHaveLength(2);
  });

  it('reports a 403 Status in the stream as unrecoverable', async () => {
    api = await fakeApiServer();
    const { seen: failures } = watchPodP();
    const first = await api.request(0);
    send(first.res, 'ERROR', { kind: 'Status', status: 'Failure', message: 'pods is forbidden', reason: 'Forbidden', code: 403 });
    first.res.end();
    await sleep(100);
    expect(failures).toEqual(['pods is forbidden (HTTP 403)']);
    expect(api.requests).toHaveLength(1);
  });

  it('runs no callback and opens no new watch after stop', async () => {
    api = await fakeApiServer();
    const { seen, watch: started } = watchPodP();
    const first = await api.request(0);
    send(first.res, 'ADDED', pod('p', '1'));
    await sleep(50);
    started.stop();
    send(first.res, 'MODIFIED', pod('p', '2'));
    first.res.end();
    await sleep(100);
    expect(seen).toEqual(['ADDED']);
    expect(api.requests).toHaveLength(1);
  });

  it('opens no watch when stopped before the first request is made', async () => {
    api = await fakeApiServer();
    watchPodP().watch.stop();
    await sleep(100);
    // The request may already be on its way; if it is, it is aborted and never restarted.
    expect(api.requests.length).toBeLessThanOrEqual(1);
  });
});
