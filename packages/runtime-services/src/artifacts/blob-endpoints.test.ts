import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobClient, type BlockBlobClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunCredentials, RuntimeServer } from '../http-kit.js';
import { ArtifactStore, artifactRoutes } from './index.js';
import { putBlob } from '../blob-endpoint.js';
import { signedDownloadUrl, signedUploadUrl } from './blob-endpoints.js';

/*
 * The blob side, driven by the Azure SDK that `@actions/artifact` bundles, with settings the
 * toolkit's fixed 8 MiB blocks don't reach quickly: many small blocks uploaded concurrently (so
 * they arrive out of order), and the single-request upload.
 */
const SCOPE = { runBackendId: 'run-1', jobBackendId: 'job-1' };

let root: string;
let store: ArtifactStore;
let credentials: RunCredentials;
let server: RuntimeServer;
let base: URL;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kact-artifact-blobs-'));
  store = new ArtifactStore({ root });
  credentials = new RunCredentials();
  server = new RuntimeServer([artifactRoutes(store, credentials)]);
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The SDK's client for an upload URL as the toolkit makes it, without retries (a refused request should fail at once). */
function blobClient(url: URL): BlockBlobClient {
  return new BlobClient(url.href, undefined, { retryOptions: { maxTries: 1 } }).getBlockBlobClient();
}

describe('signed blob URLs', () => {
  it('joins many concurrently staged blocks in block-list order', async () => {
    const record = await store.create(SCOPE, { name: 'blocks' });
    const data = randomBytes(1024 * 1024 + 123);
    await blobClient(signedUploadUrl(base, record, credentials)).uploadStream(Readable.from([data]), 64 * 1024, 8);

    const finalized = await store.finalize(SCOPE, 'blocks', { size: data.length });
    expect((await readFile(join(root, 'run-1', 'blocks.zip'))).equals(data)).toBe(true);
    expect(finalized.size).toBe(data.length);
  });

  it('takes a blob in one request (Put Blob)', async () => {
    const record = await store.create(SCOPE, { name: 'single' });
    await blobClient(signedUploadUrl(base, record, credentials)).upload('all at once', 11);
    await store.finalize(SCOPE, 'single', { size: 11 });
    expect(await readFile(join(root, 'run-1', 'single.zip'), 'utf8')).toBe('all at once');
  });

  it('refuses an upload URL whose signature or path was changed, with 403', async () => {
    const record = await store.create(SCOPE, { name: 'guarded' });
    const tampered = signedUploadUrl(base, record, credentials);
    tampered.searchParams.set('sig', `x${tampered.searchParams.get('sig')?.slice(1)}`);
    await expect(blobClient(tampered).upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });

    const otherArtifact = signedUploadUrl(base, record, credentials);
    otherArtifact.pathname = otherArtifact.pathname.replace(/\/\d+$/, `/${record.id + 1}`);
    await expect(blobClient(otherArtifact).upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });
    await expect(store.finalize(SCOPE, 'guarded', {})).rejects.toMatchObject({ status: 400 });
  });

  it('serves a finalized artifact with its length, type and name; 403 when tampered, 404 once deleted', async () => {
    const record = await store.create(SCOPE, { name: 'report.html', mimeType: 'text/html' });
    await putBlob(await store.blobUpload('run-1', record.id), Readable.from([Buffer.from('<p>ok</p>')]));
    const finalized = await store.finalize(SCOPE, 'report.html', {});
    const url = signedDownloadUrl(base, finalized, credentials);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('9');
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="report.html"; filename*=UTF-8''report.html`);
    expect(await response.text()).toBe('<p>ok</p>');

    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Date.now() + 10 * 24 * 3600_000));
    expect((await fetch(tampered)).status).toBe(403);

    await store.delete('run-1', 'report.html');
    expect((await fetch(url)).status).toBe(404);
  });

  it('does not serve an artifact before it is finalized', async () => {
    const record = await store.create(SCOPE, { name: 'pending' });
    await putBlob(await store.blobUpload('run-1', record.id), Readable.from([Buffer.from('not yet')]));
    expect((await fetch(signedDownloadUrl(base, record, credentials))).status).toBe(404);
  });
});
