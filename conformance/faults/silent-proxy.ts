import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to the API server that can go silent: `silence()` stops every connection open at
 * that moment from carrying another byte, either way, without closing it (a NAT entry or a
 * middlebox dropping a flow). Connections made afterwards work. kact is pointed at it through a
 * kubeconfig whose server is the proxy (the API server's certificate names 127.0.0.1).
 */
export class SilentProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly held: Socket[] = [];
  private server: Server | undefined;
  port = 0;
  /** Connections that were open when silence() was called. */
  silenced = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  silence(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
      this.held.push(client, upstream);
      this.silenced++;
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.pairs) this.held.push(client, upstream);
    for (const socket of this.held) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
