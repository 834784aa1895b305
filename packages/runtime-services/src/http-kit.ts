import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a route sees it. `url` is absolute (the server's base URL resolves the path). */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

/** A service's requests: returns false for a request that is not its own, so the next route may take it. */
export type Route = (context: RouteContext) => Promise<boolean>;

/** An error a route answers with: the status and a message the client library shows the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The job's credentials and the URLs kact hands out. The runtime token is JWT-shaped because
 * `@actions/artifact` reads the run and job ids from its `scp` claim; kact signs it with a key of
 * the run, so a pod of another run (or namespace) that reaches the server cannot use it.
 */
export class RunCredentials {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  /** A token for one job: `scp` is `Actions.Results:<runBackendId>:<jobBackendId>`, as GitHub's. */
  tokenFor(runBackendId: string, jobBackendId: string): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runBackendId}:${jobBackendId}`, iat: now, exp: now + 24 * 3600 })}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The token's run and job ids when kact signed it, else undefined. */
  verify(token: string): { runBackendId: string; jobBackendId: string } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || !this.sameMac(`${parts[0]}.${parts[1]}`, parts[2]!)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as { scp?: string; exp?: number };
      if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return undefined;
      const scope = claims.scp?.split(' ').find((s) => s.startsWith('Actions.Results:'));
      const [, runBackendId, jobBackendId] = scope?.split(':') ?? [];
      return runBackendId && jobBackendId ? { runBackendId, jobBackendId } : undefined;
    } catch {
      return undefined;
    }
  }

  /** The ids of the request's `Authorization: Bearer` token; 401 when it is missing or not kact's. */
  authorize(req: IncomingMessage): { runBackendId: string; jobBackendId: string } {
    const header = req.headers.authorization ?? '';
    const ids = header.startsWith('Bearer ') ? this.verify(header.slice(7)) : undefined;
    if (!ids) throw new HttpError(401, 'missing or invalid runtime token');
    return ids;
  }

  /** `url` with `sig` and `expires` parameters that `verifySigned` accepts until it expires. */
  sign(url: URL, ttlMs = 6 * 3600_000): URL {
    const signed = new URL(url);
    signed.searchParams.set('expires', String(Date.now() + ttlMs));
    signed.searchParams.set('sig', this.mac(`${signed.pathname}?expires=${signed.searchParams.get('expires')}`));
    return signed;
  }

  /** 403 unless `url` carries a valid, unexpired signature of its path (other parameters may vary: blob clients add their own). */
  verifySigned(url: URL): void {
    const expires = url.searchParams.get('expires') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    if (!this.sameMac(`${url.pathname}?expires=${expires}`, sig) || !(Number(expires) > Date.now())) {
      throw new HttpError(403, 'invalid or expired signed URL');
    }
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }

  private sameMac(text: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(text));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T>(req: IncomingMessage): Promise<T> {
  const text = (await readBody(req, 1024 * 1024)).toString('utf8');
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A Twirp error body (`code`, `msg`), which the toolkit's Twirp clients read. */
export function sendTwirpError(res: ServerResponse, status: number, message: string): void {
  const code = status === 404 ? 'not_found' : status === 401 ? 'unauthenticated' : status === 403 ? 'permission_denied' : status === 409 ? 'already_exists' : status < 500 ? 'invalid_argument' : 'internal';
  sendJson(res, status, { code, msg: message });
}

/**
 * One HTTP server for the services of a run. Routes are tried in order; an HttpError becomes its
 * status (a Twirp body under /twirp/), anything else a 500 whose message is logged through `log`.
 */
export class RuntimeServer {
  private server: Server | undefined;
  private base: URL | undefined;

  constructor(
    private readonly routes: Route[],
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Listens on `host:port` (port 0: any free one); `publicUrl` is what jobs are told, when it differs. */
  async listen(options: { host?: string; port?: number; publicUrl?: string } = {}): Promise<URL> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.base = new URL(options.publicUrl ?? `http://${formatHost(options.host ?? '127.0.0.1')}:${port}/`);
    return this.base;
  }

  get url(): URL {
    if (!this.base) throw new Error('runtime server is not listening');
    return this.base;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The Host the client used: URLs handed back (signed blob URLs) must be reachable the way this
    // request came, through a tunnel's relay as much as on this machine's own address.
    const url = new URL(req.url ?? '/', hostBase(req.headers.host) ?? this.base ?? 'http://localhost/');
    try {
      for (const route of this.routes) {
        if (await route({ req, res, url })) return;
      }
      throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status >= 500) this.log(`runtime services: ${req.method} ${url.pathname}: ${message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (url.pathname.startsWith('/twirp/')) sendTwirpError(res, status, message);
      else sendJson(res, status, { message });
    }
  }
}

function hostBase(host: string | undefined): string | undefined {
  if (!host || !/^[\w.:[\]-]+$/.test(host)) return undefined;
  return `http://${host}/`;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
