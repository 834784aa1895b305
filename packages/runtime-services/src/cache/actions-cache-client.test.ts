/**
 * kact's cache service driven by GitHub's own client, `@actions/cache`, exactly as a job step runs
 * it: in a separate node process with the job's environment, tar and zstd doing the archiving.
 * Every scenario runs against both protocols the client speaks (v1 REST, v2 Twirp + blob URLs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunCredentials, RuntimeServer } from '../http-kit.js';
import { cacheJobEnvironment, cacheRoutes } from './cache-routes.js';
import { CacheStore, type CacheStoreOptions } from './cache-store.js';
import { CacheJobRegistry, type CacheJobContext } from './job-scopes.js';

type Protocol = 'v1' | 'v2';
const protocols: Protocol[] = ['v1', 'v2'];

// ---------------------------------------------------------------------------------------------
// Job steps: node processes that import the real client and run one save or restore at a time.

interface StepOutcome {
  /** restoreCache: the matched key or null; saveCache: the cache id (-1 when it failed). */
  result: string | number | null;
  /** Everything the client printed (info, warnings, `::warning::` commands). */
  log: string;
}

type Step = { op: 'save'; paths: string[]; key: string } | { op: 'restore'; paths: string[]; key: string; restoreKeys: string[] };

const jobStepScript = `
const cache = await import(process.env.ACTIONS_CACHE_MODULE);
const baseEnv = { ...process.env };
let log = [];
process.stdout.write = (chunk) => { log.push(String(chunk)); return true; };
process.on('message', async ({ env, step }) => {
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, baseEnv, env);
  process.chdir(env.GITHUB_WORKSPACE);
  log = [];
  try {
    const result = step.op === 'save'
      ? await cache.saveCache(step.paths, step.key)
      : await cache.restoreCache(step.paths, step.key, step.restoreKeys);
    process.send({ result: result ?? null, log: log.join('') });
  } catch (error) {
    process.send({ error: String(error && error.stack || error), log: log.join('') });
  }
});
process.send({ ready: true });
`;

/** One job-step process; it runs steps one after the other, each with its own environment. */
class JobStepProcess {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<JobStepProcess> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', jobStepScript], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir(), ACTIONS_CACHE_MODULE: actionsCacheModule() },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`job step process exited with ${code}`)));
    });
    return new JobStepProcess(child);
  }

  run(env: Record<string, string>, step: Step): Promise<StepOutcome> {
    const next = this.queue.then(
      () =>
        new Promise<StepOutcome>((resolve, reject) => {
          this.child.once('message', (message: StepOutcome & { error?: string }) => {
            if (message.error) reject(new Error(`${step.op} threw: ${message.error}\n${message.log}`));
            else resolve(message);
          });
          this.child.send({ env, step });
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  stop(): void {
    this.child.kill();
  }
}

/** A few step processes shared by all tests: starting one (importing the client) costs most of a second. */
class JobStepPool {
  private next = 0;
  constructor(private readonly processes: JobStepProcess[]) {}

  static async start(size: number): Promise<JobStepPool> {
    return new JobStepPool(await Promise.all(Array.from({ length: size }, () => JobStepProcess.start())));
  }

  run(env: Record<string, string>, step: Step): Promise<StepOutcome> {
    const process = this.processes[this.next++ % this.processes.length]!;
    return process.run(env, step);
  }

  stop(): void {
    for (const process of this.processes) process.stop();
  }
}

function actionsCacheModule(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const entry = join(dir, 'node_modules/@actions/cache/lib/cache.js');
    if (existsSync(entry)) return pathToFileURL(entry).href;
  }
  throw new Error('@actions/cache is not installed');
}

// ---------------------------------------------------------------------------------------------
// A run's runtime server with the cache service, on a folder that can outlive it.

let steps: JobStepPool;
beforeAll(async () => {
  steps = await JobStepPool.start(3);
});
afterAll(() => steps?.stop());

interface JobOptions {
  context?: Partial<CacheJobContext>;
  /** A token other than the one kact issues for the job. */
  token?: (jobBackendId: string) => string;
  /** More variables of the job's environment. */
  env?: Record<string, string>;
}

interface Job {
  save(paths: string[], key: string): Promise<StepOutcome>;
  restore(paths: string[], key: string, restoreKeys?: string[]): Promise<StepOutcome>;
}

class CacheFixture {
  private server!: RuntimeServer;
  private credentials!: RunCredentials;
  private jobs!: CacheJobRegistry;
  store!: CacheStore;
  private jobCount = 0;
  readonly storeDir: string;
  readonly workspace: string;

  private constructor(
    readonly protocol: Protocol,
    private readonly root: string,
    private readonly storeOptions: CacheStoreOptions,
  ) {
    this.storeDir = join(root, 'cache-server');
    this.workspace = join(root, 'workspace');
  }

  static async start(protocol: Protocol, storeOptions: CacheStoreOptions = {}): Promise<CacheFixture> {
    const fixture = new CacheFixture(protocol, await mkdtemp(join(tmpdir(), 'kact-cache-')), storeOptions);
    await mkdir(fixture.workspace);
    await fixture.startServer();
    return fixture;
  }

  /** A job of the repository on `ref` (default branch: main). */
  job(ref: string, options: JobOptions = {}): Job {
    const ids = { runBackendId: 'run-1', jobBackendId: `job-${++this.jobCount}` };
    const env = () => {
      // Registered at each step so the job still counts after a server restart, as kact would re-register it.
      this.jobs.register(ids, { repository: 'octo/hello', ref, defaultBranch: 'main', ...options.context });
      const token = options.token ? options.token(ids.jobBackendId) : this.credentials.tokenFor(ids.runBackendId, ids.jobBackendId);
      return {
        ...cacheJobEnvironment(this.server.url, token, { protocol: this.protocol }),
        GITHUB_WORKSPACE: this.workspace,
        RUNNER_TEMP: join(this.root, 'runner-temp'),
        GITHUB_REF: ref,
        GITHUB_SERVER_URL: 'https://github.com',
        ...options.env,
      };
    };
    return {
      save: (paths, key) => steps.run(env(), { op: 'save', paths, key }),
      restore: (paths, key, restoreKeys = []) => steps.run(env(), { op: 'restore', paths, key, restoreKeys }),
    };
  }

  /** Writes files (relative to the workspace), replacing the directories they are in. */
  async writeFiles(files: Record<string, Buffer | string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.workspace, path)), { recursive: true });
      await writeFile(join(this.workspace, path), content);
    }
  }

  /** Path -> sha256 of every file under `dir` of the workspace; {} when it does not exist. */
  async fileDigests(dir: string): Promise<Record<string, string>> {
    const digests: Record<string, string> = {};
    const walk = async (path: string): Promise<void> => {
      for (const entry of await readdir(path, { withFileTypes: true })) {
        const child = join(path, entry.name);
        if (entry.isDirectory()) await walk(child);
        else digests[relative(this.workspace, child)] = createHash('sha256').update(await readFile(child)).digest('hex');
      }
    };
    if (existsSync(join(this.workspace, dir))) await walk(join(this.workspace, dir));
    return digests;
  }

  async removeFromWorkspace(...dirs: string[]): Promise<void> {
    for (const dir of dirs) await rm(join(this.workspace, dir), { recursive: true, force: true });
  }

  /** Stops the server and its store as a killed kact would leave them, then serves the same folder anew (new run, new key). */
  async restart(): Promise<void> {
    await this.server.close();
    await this.store.close();
    await this.startServer();
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.store.close();
    await rm(this.root, { recursive: true, force: true });
  }

  private async startServer(): Promise<void> {
    this.credentials = new RunCredentials();
    this.jobs = new CacheJobRegistry();
    this.store = await CacheStore.open(this.storeDir, this.storeOptions);
    this.server = new RuntimeServer([cacheRoutes(this.store, this.credentials, this.jobs)], (line) => console.error(line));
    await this.server.listen();
  }
}

async function withCache(protocol: Protocol, options: CacheStoreOptions, body: (cache: CacheFixture) => Promise<void>): Promise<void> {
  const cache = await CacheFixture.start(protocol, options);
  try {
    await body(cache);
  } finally {
    await cache.close();
  }
}

const saved = (outcome: StepOutcome) => {
  expect(outcome.log).not.toMatch(/::warning::|::error::|Failed to save/);
  expect(outcome.result).toBeGreaterThan(0);
};

// ---------------------------------------------------------------------------------------------

describe.concurrent('@actions/cache against the kact cache service', () => {
  for (const protocol of protocols) {
    it(`[${protocol}] restores what a job saved, byte for byte, nested directories included`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({
          'deps/lib.bin': randomBytes(200_000),
          'deps/nested/deeper/notes.txt': 'kept across jobs\n',
          'deps/empty-ish/zero.bin': Buffer.alloc(0),
          'tools/tool.bin': randomBytes(5_000),
        });
        const before = { ...(await cache.fileDigests('deps')), ...(await cache.fileDigests('tools')) };
        const job = cache.job('refs/heads/main');
        saved(await job.save(['deps', 'tools'], 'build-linux-1'));
        await cache.removeFromWorkspace('deps', 'tools');

        const restored = await cache.job('refs/heads/main').restore(['deps', 'tools'], 'build-linux-1');

        expect(restored.result).toBe('build-linux-1');
        expect(restored.log).toContain('Cache restored successfully');
        expect({ ...(await cache.fileDigests('deps')), ...(await cache.fileDigests('tools')) }).toEqual(before);
      });
    });

    it(`[${protocol}] reports a miss for a key nobody saved, without a warning`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/a.txt': 'a' });
        saved(await cache.job('refs/heads/main').save(['deps'], 'present'));
        await cache.removeFromWorkspace('deps');

        const outcome = await cache.job('refs/heads/main').restore(['deps'], 'absent', ['also-absent-']);

        expect(outcome.result).toBeNull();
        expect(outcome.log).not.toMatch(/::warning::|::error::/);
        expect(await cache.fileDigests('deps')).toEqual({});
      });
    });

    it(`[${protocol}] falls back to the newest entry matching a restore key`, async () => {
      await withCache(protocol, {}, async (cache) => {
        const main = cache.job('refs/heads/main');
        await cache.writeFiles({ 'deps/which.txt': 'older' });
        saved(await main.save(['deps'], 'deps-zzz-older'));
        await cache.writeFiles({ 'deps/which.txt': 'newer' });
        saved(await main.save(['deps'], 'deps-aaa-newer'));
        await cache.removeFromWorkspace('deps');

        const outcome = await cache.job('refs/heads/main').restore(['deps'], 'deps-missing', ['nothing-', 'deps-']);

        // Newest by creation, not by key order: 'deps-zzz-older' sorts last but is older.
        expect(outcome.result).toBe('deps-aaa-newer');
        // Only the v2 code path of the client logs which restore key hit.
        if (protocol === 'v2') expect(outcome.log).toContain('Cache hit for restore-key: deps-aaa-newer');
        expect(await readFile(join(cache.workspace, 'deps/which.txt'), 'utf8')).toBe('newer');
      });
    });

    it(`[${protocol}] misses when the paths differ (another version), hits with the same paths`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/a.txt': 'a', 'other/b.txt': 'b' });
        saved(await cache.job('refs/heads/main').save(['deps'], 'versioned'));
        await cache.removeFromWorkspace('deps');

        const otherPaths = await cache.job('refs/heads/main').restore(['deps', 'other'], 'versioned');
        expect(otherPaths.result).toBeNull();
        expect(await cache.fileDigests('deps')).toEqual({});

        const samePaths = await cache.job('refs/heads/main').restore(['deps'], 'versioned');
        expect(samePaths.result).toBe('versioned');
      });
    });

    it(`[${protocol}] lets a feature branch restore the default branch's entries, but not the reverse`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/from.txt': 'main' });
        saved(await cache.job('refs/heads/main').save(['deps'], 'from-main'));
        await cache.writeFiles({ 'deps/from.txt': 'feature' });
        saved(await cache.job('refs/heads/feature').save(['deps'], 'from-feature'));
        await cache.removeFromWorkspace('deps');

        const featureRestores = await cache.job('refs/heads/feature').restore(['deps'], 'from-main');
        expect(featureRestores.result).toBe('from-main');
        expect(await readFile(join(cache.workspace, 'deps/from.txt'), 'utf8')).toBe('main');
        await cache.removeFromWorkspace('deps');

        expect((await cache.job('refs/heads/main').restore(['deps'], 'from-feature')).result).toBeNull();
        expect((await cache.job('refs/heads/sibling').restore(['deps'], 'from-feature')).result).toBeNull();
        expect((await cache.job('refs/heads/feature').restore(['deps'], 'from-feature')).result).toBe('from-feature');
      });
    });

    it(`[${protocol}] refuses a second save of the same key and keeps the first entry`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/v.txt': 'first' });
        saved(await cache.job('refs/heads/main').save(['deps'], 'immutable'));
        await cache.writeFiles({ 'deps/v.txt': 'second' });

        const again = await cache.job('refs/heads/main').save(['deps'], 'immutable');

        expect(again.result).toBe(-1);
        expect(again.log).toContain('Failed to save: Unable to reserve cache with key immutable, another job may be creating this cache');
        await cache.removeFromWorkspace('deps');
        expect((await cache.job('refs/heads/main').restore(['deps'], 'immutable')).result).toBe('immutable');
        expect(await readFile(join(cache.workspace, 'deps/v.txt'), 'utf8')).toBe('first');
        expect(cache.store.list()).toHaveLength(1);
      });
    });

    it(`[${protocol}] still restores after the server restarts on the same folder`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/blob.bin': randomBytes(50_000) });
        const before = await cache.fileDigests('deps');
        saved(await cache.job('refs/heads/main').save(['deps'], 'durable'));
        await cache.removeFromWorkspace('deps');

        await cache.restart();

        const outcome = await cache.job('refs/heads/main').restore(['deps'], 'durable');
        expect(outcome.result).toBe('durable');
        expect(await cache.fileDigests('deps')).toEqual(before);
      });
    });

    it(`[${protocol}] evicts the least recently used entry when a save goes over the size cap`, async () => {
      // Random bytes do not compress: each archive is ~30 kB, so two fit under the cap and three do not.
      await withCache(protocol, { maxBytes: 75_000 }, async (cache) => {
        const main = cache.job('refs/heads/main');
        for (const key of ['lru-a', 'lru-b']) {
          await cache.writeFiles({ 'deps/data.bin': randomBytes(30_000) });
          saved(await main.save(['deps'], key));
        }
        // Reading 'lru-a' makes 'lru-b' the least recently used, though it is the newer one.
        expect((await main.restore(['deps'], 'lru-a')).result).toBe('lru-a');
        await cache.writeFiles({ 'deps/data.bin': randomBytes(30_000) });
        saved(await main.save(['deps'], 'lru-c'));

        expect((await main.restore(['deps'], 'lru-b')).result).toBeNull();
        expect((await main.restore(['deps'], 'lru-a')).result).toBe('lru-a');
        expect((await main.restore(['deps'], 'lru-c')).result).toBe('lru-c');
        expect(cache.store.totalBytes()).toBeLessThanOrEqual(75_000);
      });
    });

    it(`[${protocol}] refuses a runtime token kact did not sign`, async () => {
      await withCache(protocol, {}, async (cache) => {
        await cache.writeFiles({ 'deps/a.txt': 'a' });
        saved(await cache.job('refs/heads/main').save(['deps'], 'guarded'));
        const forged = (jobId: string) => new RunCredentials().tokenFor('run-1', jobId);
        const intruder = cache.job('refs/heads/main', { token: forged });

        const restore = await intruder.restore(['deps'], 'guarded');
        expect(restore.result).toBeNull();
        expect(restore.log).toMatch(/::warning::Failed to restore: .*401/);

        const save = await intruder.save(['deps'], 'planted');
        expect(save.result).toBe(-1);
        expect(save.log).toContain('Failed to save');
        expect(cache.store.list().map((e) => e.key)).toEqual(['guarded']);
      });
    });
  }

  it('[v1] assembles an archive the client uploads in parallel chunks', async () => {
    await withCache('v1', {}, async (cache) => {
      // 1 MiB chunks, four at a time: chunks of one archive arrive concurrently and out of order.
      const job = cache.job('refs/heads/main', { env: { CACHE_UPLOAD_CHUNK_SIZE: '1', CACHE_UPLOAD_CONCURRENCY: '4' } });
      await cache.writeFiles({ 'big/data.bin': randomBytes(3_500_000), 'big/small.txt': 'tail' });
      const before = await cache.fileDigests('big');
      const save = await job.save(['big'], 'chunked');
      saved(save);
      expect(save.log.match(/Uploading chunk of size/g)).toHaveLength(4);
      await cache.removeFromWorkspace('big');

      expect((await cache.job('refs/heads/main').restore(['big'], 'chunked')).result).toBe('chunked');
      expect(await cache.fileDigests('big')).toEqual(before);
      expect(cache.store.list()[0]?.sizeBytes).toBeGreaterThan(3 * 1024 * 1024);
    });
  });
});
