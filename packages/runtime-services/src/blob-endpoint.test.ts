/**
 * The blob endpoint both services serve, against Microsoft's own blob client, which
 * `@actions/artifact` and `@actions/cache` (v2) upload with. The cache client only stages blocks
 * past 128 MiB, so the block path is driven here with the same calls and smaller sizes.
 */
import { BlockBlobClient, RestError } from '@azure/storage-blob';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteBudget, type WrittenFile } from './file-io.js';
import { RunCredentials, RuntimeServer } from './http-kit.js';
import { blobEndpoint, blobUrl, type BlobUpload } from './blob-endpoint.js';

const prefix = '/cache/blobs/';
let dir: string;
let server: RuntimeServer;
const credentials = new RunCredentials();
const completed = new Map<string, WrittenFile>();
const budgets = new Map<string, ByteBudget>();

function target(id: string): BlobUpload {
  if (!budgets.has(id)) budgets.set(id, new ByteBudget(4 * 1024 * 1024));
  return {
    blobPath: join(dir, `${id}.blob`),
    blockDir: join(dir, `${id}.blocks`),
    budget: budgets.get(id)!,
    onComplete: (blob) => void completed.set(id, blob),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kact-blob-endpoint-'));
  server = new RuntimeServer([blobEndpoint({ credentials, pathPrefix: prefix, upload: target, download: (id) => (id === 'missing' ? undefined : { path: join(dir, `${id}.blob`) }) })]);
  await server.listen();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('blob endpoint', () => {
  it('assembles a blob the Azure SDK uploads as parallel staged blocks, in block-list order', async () => {
    const source = join(dir, 'source.bin');
    const data = randomBytes(1_000_003);
    await writeFile(source, data);
    const client = new BlockBlobClient(blobUrl(credentials, server.url, prefix, 'upload', 'blocks').href);

    // As @actions/cache calls it, with sizes that force 16 blocks, 8 in flight.
    await client.uploadFile(source, { blockSize: 64 * 1024, concurrency: 8, maxSingleShotSize: 128 * 1024 });

    expect(sha(await readFile(join(dir, 'blocks.blob')))).toBe(sha(data));
    expect(completed.get('blocks')).toEqual({ size: data.length, sha256: sha(data) });
  });

  it('takes a single-shot upload (Put Blob) and replaces it whole when repeated', async () => {
    const source = join(dir, 'small.bin');
    const client = new BlockBlobClient(blobUrl(credentials, server.url, prefix, 'upload', 'single').href);
    await writeFile(source, 'first attempt, longer');
    await client.uploadFile(source);
    await writeFile(source, 'second');
    await client.uploadFile(source);
    expect(await readFile(join(dir, 'single.blob'), 'utf8')).toBe('second');
    expect(completed.get('single')?.size).toBe(6);
  });

  it('refuses a blob over the upload\'s limit with 413, in one request or in blocks, and keeps nothing of it', async () => {
    const source = join(dir, 'big.bin');
    await writeFile(source, randomBytes(4 * 1024 * 1024 + 1));
    const single = new BlockBlobClient(blobUrl(credentials, server.url, prefix, 'upload', 'big').href, undefined, { retryOptions: { maxTries: 1 } });
    await expect(single.uploadFile(source)).rejects.toMatchObject({ statusCode: 413, code: 'RequestBodyTooLarge' });
    // Blocks count together, however many arrive at once.
    const blocks = new BlockBlobClient(blobUrl(credentials, server.url, prefix, 'upload', 'big-blocks').href, undefined, { retryOptions: { maxTries: 1 } });
    await expect(blocks.uploadFile(source, { blockSize: 512 * 1024, concurrency: 4, maxSingleShotSize: 1024 })).rejects.toMatchObject({ statusCode: 413 });
    expect((await readdir(dir)).filter((name) => name.startsWith('big.blob') || name.startsWith('big-blocks.blob'))).toEqual([]);
    expect(completed.has('big') || completed.has('big-blocks')).toBe(false);
  });

  it('serves the properties and byte ranges the Azure SDK downloads in segments', async () => {
    const data = randomBytes(300_000);
    await writeFile(join(dir, 'served.blob'), data);
    const client = new BlockBlobClient(blobUrl(credentials, server.url, prefix, 'download', 'served').href);

    expect((await client.getProperties()).contentLength).toBe(data.length);
    expect(sha(await client.downloadToBuffer(1000, 5000))).toBe(sha(data.subarray(1000, 6000)));
    expect(sha(await client.downloadToBuffer(0, undefined, { blockSize: 64 * 1024, concurrency: 4 }))).toBe(sha(data));
  });

  it('answers a tampered signature with 403 and an unknown blob with 404, as Azure XML errors', async () => {
    const tampered = blobUrl(credentials, server.url, prefix, 'download', 'served');
    tampered.searchParams.set('sig', 'forged');
    const denied = await new BlockBlobClient(tampered.href).getProperties().catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(RestError);
    expect((denied as RestError).statusCode).toBe(403);

    const missing = await fetch(blobUrl(credentials, server.url, prefix, 'download', 'missing'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<Code>BlobNotFound</Code>');
  });
});
