import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putBlob, stageBlock } from '../blob-endpoint.js';
import { ArtifactStore } from './artifact-store.js';

const JOB_1 = { runBackendId: 'run-1', jobBackendId: 'job-1' };
const JOB_2 = { runBackendId: 'run-1', jobBackendId: 'job-2' };
const OTHER_RUN = { runBackendId: 'run-2', jobBackendId: 'job-1' };

let root: string;
let store: ArtifactStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kact-artifact-store-'));
  store = new ArtifactStore({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const body = (text: string) => Readable.from([Buffer.from(text)]);
/** What the blob endpoint does with an upload URL's body. */
const put = async (run: string, id: number, text: string) => putBlob(await store.blobUpload(run, id), body(text));
const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** An artifact the way the client makes one: create, upload the blob, finalize. */
async function upload(scope: typeof JOB_1, name: string, content: string) {
  const record = await store.create(scope, { name });
  await put(scope.runBackendId, record.id, content);
  return store.finalize(scope, name, { size: content.length, digest: digestOf(content) });
}

describe('ArtifactStore', () => {
  it.each([
    ['a/b', 'Forward slash /'],
    ['a\\b', 'Backslash \\'],
    ['build:linux', 'Colon :'],
    ['what?', 'Question mark ?'],
    ['', 'empty'],
    ['..', 'not valid'],
  ])('refuses the artifact name %j as GitHub does (400: %s)', async (name, reason) => {
    await expect(store.create(JOB_1, { name })).rejects.toMatchObject({ status: 400, message: expect.stringContaining(reason) });
  });

  it('shows an artifact only once it is finalized, then as <root>/<run>/<name>.zip', async () => {
    const record = await store.create(JOB_1, { name: 'dist' });
    await put('run-1', record.id, 'zip bytes');
    expect(await store.list('run-1')).toEqual([]);
    expect(await readdir(join(root, 'run-1'))).toEqual(['.kact-artifacts']);

    const finalized = await store.finalize(JOB_1, 'dist', { size: 9, digest: digestOf('zip bytes') });
    expect(finalized).toMatchObject({ id: record.id, name: 'dist', size: 9, digest: digestOf('zip bytes'), finalized: true, jobBackendId: 'job-1' });
    expect(await store.list('run-1')).toEqual([finalized]);
    expect(await readFile(join(root, 'run-1', 'dist.zip'), 'utf8')).toBe('zip bytes');
    // Its record sits beside it, for whoever looks at the folder after the run.
    expect(JSON.parse(await readFile(join(root, 'run-1', '.kact-artifacts', `${record.id}.json`), 'utf8'))).toEqual(finalized);
  });

  it('refuses to finalize a blob whose size or digest differs from what the client sent, and keeps it hidden', async () => {
    const record = await store.create(JOB_1, { name: 'dist' });
    await put('run-1', record.id, 'truncated');
    await expect(store.finalize(JOB_1, 'dist', { size: 100 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('uploaded 100 bytes but 9 arrived') });
    await expect(store.finalize(JOB_1, 'dist', { digest: digestOf('something else') })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('digest') });
    await expect(store.finalize(JOB_1, 'other', {})).rejects.toMatchObject({ status: 404 });
    expect(await store.list('run-1')).toEqual([]);
  });

  it('refuses to finalize an artifact whose blob never arrived', async () => {
    await store.create(JOB_1, { name: 'dist' });
    await expect(store.finalize(JOB_1, 'dist', {})).rejects.toMatchObject({ status: 400, message: expect.stringContaining('incomplete') });
  });

  it('keeps names unique in a run, ignoring case (one file on macOS), but not across runs', async () => {
    await upload(JOB_1, 'Logs', 'a');
    await expect(store.create(JOB_2, { name: 'Logs' })).rejects.toMatchObject({ status: 409, message: 'an artifact with this name already exists on the workflow run' });
    await expect(store.create(JOB_2, { name: 'logs' })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('would be stored as logs.zip') });
    // `Logs.zip` uploaded unarchived is the same file as the zip of `Logs`.
    await expect(store.create(JOB_2, { name: 'Logs.zip', mimeType: 'application/zip' })).rejects.toMatchObject({ status: 409 });
    expect(await upload(OTHER_RUN, 'Logs', 'b')).toMatchObject({ name: 'Logs', runBackendId: 'run-2' });
  });

  it("lets a job start its own unfinished upload over, but not take another job's", async () => {
    const first = await store.create(JOB_1, { name: 'dist' });
    await put('run-1', first.id, 'half');
    await expect(store.create(JOB_2, { name: 'dist' })).rejects.toMatchObject({ status: 409 });

    const again = await store.create(JOB_1, { name: 'dist' });
    expect(again.id).toBeGreaterThan(first.id);
    // The first upload's URL no longer takes blocks.
    await expect(put('run-1', first.id, 'late')).rejects.toMatchObject({ status: 404 });
  });

  it('never gives a deleted artifact id again, so an old download URL cannot serve a newer artifact', async () => {
    await upload(JOB_1, 'a', 'a');
    const b = await upload(JOB_1, 'b', 'b');
    expect(await store.delete('run-1', 'b')).toMatchObject({ id: b.id });
    expect(await readdir(join(root, 'run-1'))).not.toContain('b.zip');
    const c = await upload(JOB_1, 'b', 'c');
    expect(c.id).toBeGreaterThan(b.id);
    await expect(store.delete('run-1', 'missing')).rejects.toMatchObject({ status: 404 });
  });

  it('filters the list by exact name and by id', async () => {
    const a = await upload(JOB_1, 'a', 'a');
    const b = await upload(JOB_2, 'b', 'b');
    expect(await store.list('run-1', { name: 'b' })).toEqual([b]);
    expect(await store.list('run-1', { name: 'B' })).toEqual([]);
    expect(await store.list('run-1', { id: a.id })).toEqual([a]);
    expect(await store.list('run-1', { name: 'a', id: b.id })).toEqual([]);
  });

  it('discards the unfinished uploads of a run, and nothing else', async () => {
    await upload(JOB_1, 'done', 'x');
    const pending = await store.create(JOB_2, { name: 'crashed' });
    await stageBlock(await store.blobUpload('run-1', pending.id), 'YmxvY2s=', body('partial'));
    expect(await store.discardIncomplete('run-1')).toBe(1);
    expect(await readdir(join(root, 'run-1', '.kact-artifacts', 'uploads'))).toEqual([]);
    expect((await store.list('run-1')).map((r) => r.name)).toEqual(['done']);
    // The name is free again, for any job.
    await expect(store.create(JOB_1, { name: 'crashed' })).resolves.toMatchObject({ name: 'crashed' });
  });
});
