import { createCipheriv, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConnection, PodRef } from '@kact/kubernetes';

export interface AgentReply {
  /** HTTP status: the agent's (see step-agent.ts), or the API server's (403 forbidden, 503 not reachable). */
  status: number;
  text: string;
}

/** Seals a request for the agent: iv (12) | tag (16) | AES-256-GCM ciphertext, `aad` bound in. */
export function seal(key: Buffer, aad: string, payload: unknown): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

/**
 * Talks to a job pod's step agent through the API server's pod proxy
 * (`/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/…`): short requests, each on its own, so an
 * API server restart costs a retry, not a step.
 */
export class AgentClient {
  constructor(
    private readonly connection: KubeConnection,
    private readonly pod: PodRef,
    private readonly port: number,
    private readonly key: Buffer,
  ) {}

  /**
   * POSTs `payload`, sealed with `<verb>/<slot>` as associated data, to `/<verb>/<slot>`. Never
   * rejects: when the API server cannot be reached the reply has status 0 and the error.
   */
  post(verb: 'step' | 'done' | 'stop' | 'copy', slot: string, payload: unknown): Promise<AgentReply> {
    return this.request('POST', `${verb}/${slot}`, seal(this.key, `${verb}/${slot}`, payload)).catch((error: unknown) => ({
      status: 0,
      text: error instanceof Error ? error.message : String(error),
    }));
  }

  private async request(method: string, path: string, body?: Buffer): Promise<AgentReply> {
    const { namespace, name } = this.pod;
    const url = new URL(`${this.connection.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}:${this.port}/proxy/${path}`);
    const options: https.RequestOptions = { method, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} };
    await this.connection.config.applyToHTTPSOptions(options);
    return new Promise<AgentReply>((resolve, reject) => {
      const send = url.protocol === 'https:' ? https.request : http.request;
      const request = send(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').trim() }));
        response.on('error', reject);
      });
      request.setTimeout(120_000, () => request.destroy(new Error(`no answer from the step agent of pod ${name} within 120 s`)));
      request.on('error', reject);
      request.end(body);
    });
  }
}
