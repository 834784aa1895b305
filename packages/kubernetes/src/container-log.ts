import https from 'node:https';
import http from 'node:http';
import querystring from 'node:querystring';
import type { KubeConnection } from './connection.js';
import type { PodRef } from './pod-transport.js';

export interface LogReadOptions {
  /** Keep the request open and receive bytes as the container writes them, until it ends. */
  follow: boolean;
  /** Skip this many bytes of the log first (a resumed read after a dropped connection). */
  skipBytes?: number;
  /** Ends the request; the promise then resolves with `ended: 'aborted'`. */
  signal?: AbortSignal;
}

export interface LogReadResult {
  /** `end`: the server finished the response (for `follow`, the container stopped); otherwise why it broke off. */
  ended: 'end' | 'aborted' | 'error';
  /** Bytes passed to `onChunk` (after skipping). */
  bytes: number;
  error?: string;
}

/**
 * Reads a container's log through the API server (`pods/log`), passing raw bytes on in order:
 * no line splitting or decoding, so the log arrives byte-exact (lines over 16 KiB, output
 * without a trailing newline). Never rejects: a broken connection is a result, for the caller
 * to resume from `bytes` after looking at the container's state.
 */
export async function readContainerLog(
  connection: KubeConnection,
  pod: PodRef,
  container: string,
  options: LogReadOptions,
  onChunk: (chunk: Buffer) => void,
): Promise<LogReadResult> {
  const query = querystring.stringify({ container, ...(options.follow ? { follow: 'true' } : {}) });
  const url = new URL(`${connection.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/log?${query}`);
  const requestOptions: https.RequestOptions = { method: 'GET', headers: {} };
  await connection.config.applyToHTTPSOptions(requestOptions);
  let skip = options.skipBytes ?? 0;
  let bytes = 0;
  return new Promise<LogReadResult>((resolve) => {
    let settled = false;
    const finish = (result: LogReadResult) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const request = send(url, requestOptions, (response) => {
      if (response.statusCode !== 200) {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => finish({ ended: 'error', bytes, error: `${statusMessage(body)} (HTTP ${response.statusCode})` }));
        return;
      }
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.length === 0) return;
        }
        bytes += chunk.length;
        onChunk(chunk);
      });
      response.on('end', () => finish({ ended: 'end', bytes }));
      response.on('error', (error) => finish({ ended: 'error', bytes, error: error.message }));
      response.on('aborted', () => finish({ ended: 'error', bytes, error: 'response aborted' }));
    });
    const onAbort = () => {
      finish({ ended: 'aborted', bytes });
      request.destroy();
    };
    request.on('error', (error) => finish({ ended: options.signal?.aborted ? 'aborted' : 'error', bytes, error: error.message }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    else request.end();
  });
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.trim();
  } catch {
    return body.trim();
  }
}
