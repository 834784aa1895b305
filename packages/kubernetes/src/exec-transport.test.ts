import { createServer, type Server, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeConnection } from './connection.js';
import { KubeExecTransport } from './exec-transport.js';

/** An API server that accepts the connection and then never answers: a flow dropped mid-way. */
async function silentServer(): Promise<{ server: Server; sockets: Socket[]; url: string }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, sockets, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

function connectionTo(server: string): KubeConnection {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { config, namespace: 'default', context: 'x', server, core: config.makeApiClient(CoreV1Api) };
}

describe('KubeExecTransport', () => {
  const open: Server[] = [];
  afterEach(() => {
    for (const server of open.splice(0)) server.close();
  });

  it('gives up on an exec whose websocket upgrade is never answered, naming the pod, instead of waiting for good', async () => {
    const { server, sockets, url } = await silentServer();
    open.push(server);
    const transport = new KubeExecTransport(connectionTo(url), { handshakeTimeoutMs: 300 });
    await expect(transport.exec({ name: 'p', namespace: 'default' }, 'runner', ['true'], { onStdout: () => undefined, onStderr: () => undefined })).rejects.toThrow(/exec into pod p container runner failed/);
    expect(sockets.length).toBe(1);
    for (const socket of sockets) socket.destroy();
  });
});
