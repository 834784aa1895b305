import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeConnection } from '@kact/kubernetes';
import { RunCredentials } from '@kact/runtime-services';
import { chooseRoute } from './pod-route.js';
import { RunRuntime } from './run-runtime.js';
import { checkRuntimeFlags, parseSize, planMayUseRuntime } from './runtime-flags.js';

/** A connection whose node list answers `nodes`, or fails with `status`. */
const connectionListing = (answer: { status: number } | { items: unknown[] }) =>
  ({ core: { listNode: async () => ('status' in answer ? Promise.reject(Object.assign(new Error('nope'), { code: answer.status })) : answer) } }) as unknown as KubeConnection;
const noTunnel = async () => ({ url: new URL('http://relay.test:8080/'), description: 'test tunnel', close: async () => undefined });

describe('runtime flags', () => {
  it('reads sizes as a user writes them, in powers of 1024', () => {
    expect(parseSize('10G', '--cache-max-size')).toBe(10 * 1024 ** 3);
    expect(parseSize('512m', '--cache-max-size')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5GiB', '--cache-max-size')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1048576', '--cache-max-size')).toBe(1048576);
  });

  it('rejects a bad size or route before anything runs, naming the flag', () => {
    const flags = { cacheServer: true, cacheMaxSize: 'lots', runtimeRoute: 'auto' };
    expect(() => checkRuntimeFlags(flags)).toThrow("--cache-max-size expects a size such as 10G, 512M or 1048576, got 'lots'");
    expect(() => checkRuntimeFlags({ ...flags, cacheMaxSize: '1G', runtimeRoute: 'carrier-pigeon' })).toThrow("--runtime-route must be one of auto, node, tunnel, got 'carrier-pigeon'");
    expect(() => checkRuntimeFlags({ ...flags, cacheServer: false, runtimeRoute: 'tunnel' })).not.toThrow();
  });
});

describe('whether a run serves artifacts and cache at all', () => {
  const job = (...uses: string[]) => ({ job: { kind: 'steps', steps: [{ kind: 'run', run: 'make' }, ...uses.map((u) => ({ kind: 'uses', uses: u }))] } }) as never;

  it('serves them when a job may run an action, never for run steps and checkout alone (no relay pod, no server)', () => {
    expect(planMayUseRuntime([job(), job('actions/checkout@v4')])).toBe(false);
    expect(planMayUseRuntime([job('actions/checkout@v4'), job('actions/upload-artifact@v4')])).toBe(true);
    expect(planMayUseRuntime([job('./.github/actions/composite')])).toBe(true);
    expect(planMayUseRuntime([job('docker://alpine:3')])).toBe(true);
    expect(planMayUseRuntime([{ job: { kind: 'call', uses: './.github/workflows/reusable.yml' } } as never])).toBe(true);
  });
});

describe('the route job pods take to the services', () => {
  it('tunnels by default, on any cluster, without reading the nodes', async () => {
    const unread = connectionListing({ status: 500 });
    const route = await chooseRoute('auto', unread, noTunnel);
    expect({ kind: route.kind, bindHost: route.bindHost }).toEqual({ kind: 'tunnel', bindHost: '127.0.0.1' });
  });

  it('says why when the node route was asked for and kact may not read the nodes', async () => {
    const forbidden = connectionListing({ status: 403 });
    await expect(chooseRoute('node', forbidden, noTunnel)).rejects.toThrow('--runtime-route node: kact may not list the cluster nodes; use --runtime-route tunnel (or auto)');
  });

  it('refuses the node route when no node is this machine (a remote cluster)', async () => {
    const remote = connectionListing({ items: [{ spec: { podCIDR: '203.0.113.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '203.0.113.7' }] } }] });
    await expect(chooseRoute('node', remote, noTunnel)).rejects.toThrow('no node of the cluster has an address of this machine');
  });
});

describe('the run runtime', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("gives each job a token of its own run and job, the services' URLs, and the token as the one secret", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kact-runtime-'));
    dirs.push(dir);
    const route = { kind: 'tunnel' as const, bindHost: '127.0.0.1', open: noTunnel };
    const runtime = RunRuntime.start({ artifactDir: join(dir, 'artifacts'), cacheDir: join(dir, 'cache') }, route, () => undefined);
    try {
      const job = { runId: 'run1', repository: 'acme/repo', ref: 'refs/heads/main', baseRef: '', defaultBranch: 'main', eventName: 'push' };
      const a = runtime.forJob({ ...job, key: 'ci.yml#build' });
      const b = runtime.forJob({ ...job, key: 'ci.yml#test' });
      expect(await a.env).toEqual({
        ACTIONS_RUNTIME_URL: 'http://relay.test:8080/',
        ACTIONS_RESULTS_URL: 'http://relay.test:8080/',
        ACTIONS_CACHE_URL: 'http://relay.test:8080/kact/cache/',
        ACTIONS_CACHE_SERVICE_V2: 'True',
        ACTIONS_RUNTIME_TOKEN: a.secrets[0],
      });
      expect(a.secrets).toHaveLength(1);
      expect(a.secrets[0]).not.toBe(b.secrets[0]);
      // Another run's key (another kact, another namespace's pod) cannot read this token.
      expect(new RunCredentials().verify(a.secrets[0]!)).toBeUndefined();
      expect(await runtime.finishRun('run1')).toEqual([]);
    } finally {
      await runtime.close();
    }
  });

  it('serves no cache with --no-cache-server: actions get no cache URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kact-runtime-'));
    dirs.push(dir);
    const runtime = RunRuntime.start({ artifactDir: join(dir, 'artifacts') }, { kind: 'tunnel', bindHost: '127.0.0.1', open: noTunnel }, () => undefined);
    try {
      const env = await runtime.forJob({ runId: 'r', key: 'k', repository: 'a/b', ref: '', baseRef: '', defaultBranch: 'main', eventName: 'push' }).env;
      expect(Object.keys(env).sort()).toEqual(['ACTIONS_RESULTS_URL', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RUNTIME_URL']);
    } finally {
      await runtime.close();
    }
  });
});

describe('the run runtime starting beside the jobs', () => {
  it('hands a job its token at once and its URLs once the route is open; a route that fails reaches only the steps that wait for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kact-runtime-'));
    try {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const slow = { kind: 'tunnel' as const, bindHost: '127.0.0.1', open: async () => (await opened, noTunnel()) };
      const runtime = RunRuntime.start({ artifactDir: join(dir, 'a') }, slow, () => undefined);
      const job = { runId: 'r', key: 'k', repository: 'a/b', ref: '', baseRef: '', defaultBranch: 'main', eventName: 'push' };
      const served = runtime.forJob(job);
      expect(served.secrets).toHaveLength(1);
      let settled = false;
      void Promise.resolve(served.env).then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      open();
      expect((await served.env).ACTIONS_RUNTIME_URL).toBe('http://relay.test:8080/');
      await runtime.close();

      const broken = { kind: 'tunnel' as const, bindHost: '127.0.0.1', open: () => Promise.reject(new Error('relay pod kact-x-tunnel: ErrImageNeverPull')) };
      const failed = RunRuntime.start({ artifactDir: join(dir, 'b') }, broken, () => undefined);
      await expect(failed.forJob(job).env).rejects.toThrow('the artifact and cache services of this run did not start: relay pod kact-x-tunnel: ErrImageNeverPull');
      await expect(failed.description()).rejects.toThrow('ErrImageNeverPull');
      await failed.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('two runs on one cache folder', () => {
  it('lets the second run go on without a cache, saying why, instead of failing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kact-runtime-'));
    const route = { kind: 'tunnel' as const, bindHost: '127.0.0.1', open: noTunnel };
    const lines: string[] = [];
    const first = RunRuntime.start({ artifactDir: join(dir, 'a1'), cacheDir: join(dir, 'cache') }, route, () => undefined);
    await first.ready;
    try {
      const second = RunRuntime.start({ artifactDir: join(dir, 'a2'), cacheDir: join(dir, 'cache') }, route, (line) => lines.push(line));
      try {
        const job = { runId: 'r2', key: 'k', repository: 'a/b', ref: 'refs/heads/main', baseRef: '', defaultBranch: 'main', eventName: 'push' };
        expect((await second.forJob(job).env).ACTIONS_CACHE_URL).toBeUndefined();
        expect(lines.join('\n')).toMatch(/^cache folder .*\/cache is (in use by process \d+|already open in this process).*: this run serves no cache/);
        expect((await first.forJob({ ...job, runId: 'r1' }).env).ACTIONS_CACHE_URL).toBe('http://relay.test:8080/kact/cache/');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
