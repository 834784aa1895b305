import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunCredentials, RuntimeServer } from '../http-kit.js';
import { artifactJobEnvironment, ArtifactStore, artifactRoutes } from './index.js';
import { ArtifactClientProcess, type JobEnv } from './test-support/artifact-client-process.js';

/** What `@actions/artifact` returns (its own types would pull the library into this process). */
interface Artifact {
  name: string;
  id: number;
  size: number;
  createdAt?: Date;
  digest?: string;
}

const RUN_A = 'run-a';
const RUN_B = 'run-b';

let work: string;
let client: ArtifactClientProcess;
const servers: RuntimeServer[] = [];

/** A run's artifact server as kact starts it: one store folder, one credentials key. */
async function startServer(options: { maxArtifactBytes?: number } = {}) {
  const root = await mkdtemp(join(work, 'artifacts-'));
  const store = new ArtifactStore({ root, ...options });
  const credentials = new RunCredentials();
  const server = new RuntimeServer([artifactRoutes(store, credentials)]);
  servers.push(server);
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  // What kact puts in a job pod's env, and the workspace the runner always sets.
  const job = (run: string, jobId: string, token = credentials.tokenFor(run, jobId)): JobEnv => ({
    ...artifactJobEnvironment(url, token),
    GITHUB_WORKSPACE: join(work, 'workspace'),
  });
  return { root, job };
}

/**
 * Every file under `dir` (empty ones included), by relative path, with its size and digest:
 * equal digests are equal bytes, and comparing them is instant where comparing megabytes of
 * Buffers element by element is not.
 */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const content = await readFile(join(entry.parentPath, entry.name));
    files.set(relative(dir, join(entry.parentPath, entry.name)), `${content.length} bytes, ${sha256(content)}`);
  }
  return files;
}

async function writeFiles(dir: string, files: Record<string, Buffer | string>): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kact-artifacts-'));
  client = await ArtifactClientProcess.start();
}, 30_000);

afterAll(async () => {
  await client?.stop();
  for (const server of servers) await server.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('@actions/artifact against the kact artifact service', () => {
  it('uploads nested, empty and multi-block binary files; another job of the run finds and downloads them byte for byte', async () => {
    const { root, job } = await startServer();
    const source = join(work, 'build-output');
    // 9 MiB of noise does not compress: the zip is two of the client's 8 MiB blocks, sent concurrently.
    const files = await writeFiles(source, {
      'readme.txt': 'hello from job 1\n',
      'nested/deeper/data.json': JSON.stringify({ ok: true }),
      'nested/empty.txt': '',
      'bin/noise.bin': randomBytes(9 * 1024 * 1024),
    });

    const uploaded = await client.call<{ id: number; size: number; digest: string }>(job(RUN_A, 'job-1'), 'uploadArtifact', 'build-output', files, source);
    expect(uploaded.id).toBeGreaterThan(0);
    expect(uploaded.size).toBeGreaterThan(9 * 1024 * 1024);

    // The zip is where the user looks after the run, and it is what the client sent.
    const zip = await readFile(join(root, RUN_A, 'build-output.zip'));
    expect(zip.length).toBe(uploaded.size);
    expect(sha256(zip)).toBe(`sha256:${uploaded.digest}`);

    const job2 = job(RUN_A, 'job-2');
    const { artifacts } = await client.call<{ artifacts: Artifact[] }>(job2, 'listArtifacts');
    expect(artifacts).toEqual([{ name: 'build-output', id: uploaded.id, size: uploaded.size, createdAt: expect.any(Date), digest: `sha256:${uploaded.digest}` }]);
    expect(Math.abs(artifacts[0]!.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);

    // download-artifact@v4 with `name:` looks the artifact up, then downloads it by id.
    const { artifact } = await client.call<{ artifact: Artifact }>(job2, 'getArtifact', 'build-output');
    expect(artifact.id).toBe(uploaded.id);
    const target = join(work, 'downloaded');
    const downloaded = await client.call<{ downloadPath: string; digestMismatch: boolean }>(job2, 'downloadArtifact', artifact.id, {
      path: target,
      expectedHash: artifact.digest,
    });
    expect(downloaded).toEqual({ downloadPath: target, digestMismatch: false });
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('keeps artifacts to their run: a token of another run sees none of them', async () => {
    const { job } = await startServer();
    const source = join(work, 'private');
    const files = await writeFiles(source, { 'secret.txt': 'run A only' });
    const { id } = await client.call<{ id: number }>(job(RUN_A, 'job-1'), 'uploadArtifact', 'private', files, source);

    const otherRun = job(RUN_B, 'job-1');
    expect(await client.call(otherRun, 'listArtifacts')).toEqual({ artifacts: [] });
    await expect(client.call(otherRun, 'getArtifact', 'private')).rejects.toMatchObject({ name: 'ArtifactNotFoundError' });
    await expect(client.call(otherRun, 'downloadArtifact', id, { path: join(work, 'stolen') })).rejects.toThrow(/No artifacts found for ID: \d+/);
    await expect(client.call(otherRun, 'deleteArtifact', 'private')).rejects.toMatchObject({ name: 'ArtifactNotFoundError' });
    // …and run A still has it.
    expect(await client.call(job(RUN_A, 'job-2'), 'listArtifacts')).toMatchObject({ artifacts: [{ name: 'private', id }] });
  });

  it('refuses a runtime token kact did not sign, with 401', async () => {
    const { job } = await startServer();
    const forged = new RunCredentials().tokenFor(RUN_A, 'job-1');
    await expect(client.call(job(RUN_A, 'job-1', forged), 'listArtifacts')).rejects.toThrow(/\(401\) Unauthorized: missing or invalid runtime token/);
  });

  it("answers a second upload of a name in the run with GitHub's conflict, until the first is deleted", async () => {
    const { root, job } = await startServer();
    const source = join(work, 'dup');
    const files = await writeFiles(source, { 'one.txt': 'first' });
    const first = await client.call<{ id: number }>(job(RUN_A, 'job-1'), 'uploadArtifact', 'logs', files, source);

    await expect(client.call(job(RUN_A, 'job-2'), 'uploadArtifact', 'logs', files, source)).rejects.toThrow(
      /Failed to CreateArtifact: Received non-retryable error: Failed request: \(409\) Conflict: an artifact with this name already exists on the workflow run/,
    );

    // upload-artifact's `overwrite: true` deletes, then uploads again.
    expect(await client.call(job(RUN_A, 'job-2'), 'deleteArtifact', 'logs')).toEqual({ id: first.id });
    expect(await client.call(job(RUN_A, 'job-2'), 'listArtifacts')).toEqual({ artifacts: [] });
    await expect(stat(join(root, RUN_A, 'logs.zip'))).rejects.toMatchObject({ code: 'ENOENT' });

    const second = await client.call<{ id: number }>(job(RUN_A, 'job-2'), 'uploadArtifact', 'logs', files, source);
    expect(second.id).toBeGreaterThan(first.id);
    expect(await client.call(job(RUN_A, 'job-1'), 'listArtifacts')).toMatchObject({ artifacts: [{ name: 'logs', id: second.id }] });
  });

  it('fails an upload over the size limit and shows nothing of it; the job can upload that name again', async () => {
    const { root, job } = await startServer({ maxArtifactBytes: 1024 * 1024 });
    const source = join(work, 'too-big');
    const files = await writeFiles(source, { 'noise.bin': randomBytes(2 * 1024 * 1024) });

    await expect(client.call(job(RUN_A, 'job-1'), 'uploadArtifact', 'big', files, source)).rejects.toThrow(/larger than the 1048576 bytes kact accepts/);
    expect(await client.call(job(RUN_A, 'job-1'), 'listArtifacts')).toEqual({ artifacts: [] });
    expect(await readdir(join(root, RUN_A))).toEqual(['.kact-artifacts']);

    const small = await writeFiles(source, { 'noise.bin': 'small enough' });
    const { id } = await client.call<{ id: number }>(job(RUN_A, 'job-1'), 'uploadArtifact', 'big', small, source);
    expect(await client.call(job(RUN_A, 'job-2'), 'listArtifacts')).toMatchObject({ artifacts: [{ name: 'big', id }] });
  });

  it('keeps a file uploaded unarchived as itself, and the client downloads it as that file', async () => {
    const { root, job } = await startServer();
    const source = join(work, 'report');
    const [report] = await writeFiles(source, { 'report.html': '<h1>coverage 93%</h1>\n' });

    const { id } = await client.call<{ id: number }>(job(RUN_A, 'job-1'), 'uploadArtifact', 'ignored', [report], source, { skipArchive: true });
    expect(await readFile(join(root, RUN_A, 'report.html'), 'utf8')).toBe('<h1>coverage 93%</h1>\n');

    const target = join(work, 'report-download');
    await client.call(job(RUN_A, 'job-2'), 'downloadArtifact', id, { path: target });
    expect(await readdir(target)).toEqual(['report.html']);
    expect(await readFile(join(target, 'report.html'), 'utf8')).toBe('<h1>coverage 93%</h1>\n');
  });
});
