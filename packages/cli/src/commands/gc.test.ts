import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConnection } from '@kact/kubernetes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadRuns, registerRun, runLiveness, runScope } from '../run-registry.js';
import { collectBeforeRun } from './gc.js';

let stateHome: string;
let savedStateHome: string | undefined;
beforeEach(() => {
  savedStateHome = process.env.XDG_STATE_HOME;
  stateHome = mkdtempSync(join(tmpdir(), 'kact-gc-'));
  process.env.XDG_STATE_HOME = stateHome;
});
afterEach(() => {
  if (savedStateHome === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedStateHome;
  rmSync(stateHome, { recursive: true, force: true });
});

const goneProcess = () => spawnSync(process.execPath, ['-e', '']).pid!;

/** A run registered on this machine by a process that is gone (SIGKILLed), with or without its scope. */
function deadRun(runId: string, scope?: string): void {
  mkdirSync(join(stateHome, 'kact', 'runs'), { recursive: true });
  writeFileSync(join(stateHome, 'kact', 'runs', runId), String(goneProcess()));
  if (scope !== undefined) {
    mkdirSync(join(stateHome, 'kact', 'run-scopes'), { recursive: true });
    writeFileSync(join(stateHome, 'kact', 'run-scopes', runId), scope);
  }
}

type Kind = 'Pod' | 'ConfigMap' | 'Secret' | 'Service';

/** A namespace in memory: the objects kact labelled, and every API call made. */
function fakeCluster(objects: Array<{ kind: Kind; name: string; runId: string }>, options: { forbidden?: boolean } = {}) {
  const calls: string[] = [];
  const left = [...objects];
  const list = (kind: Kind) => async () => {
    calls.push(`list ${kind}`);
    if (options.forbidden) throw Object.assign(new Error(`${kind.toLowerCase()}s is forbidden`), { code: 403 });
    return { items: left.filter((o) => o.kind === kind).map((o) => ({ metadata: { name: o.name, labels: { 'kact.dev/run-id': o.runId, 'app.kubernetes.io/managed-by': 'kact' } } })) };
  };
  const remove = (kind: Kind) => async ({ name }: { name: string }) => {
    calls.push(`delete ${kind} ${name}`);
    left.splice(left.findIndex((o) => o.kind === kind && o.name === name), 1);
    return {};
  };
  const core = {
    listNamespacedPod: list('Pod'),
    listNamespacedConfigMap: list('ConfigMap'),
    listNamespacedSecret: list('Secret'),
    listNamespacedService: list('Service'),
    deleteNamespacedPod: remove('Pod'),
    deleteNamespacedConfigMap: remove('ConfigMap'),
    deleteNamespacedSecret: remove('Secret'),
    deleteNamespacedService: remove('Service'),
  };
  const connection = { server: 'https://cluster.test:6443', context: 'test', namespace: 'ci', core } as unknown as KubeConnection;
  return { connection, calls, left };
}

describe('kact run collects what dead runs left, as `kact gc` without --all does', () => {
  it('removes the objects of runs whose process is gone, never those of a live run or of a run this machine does not know', async () => {
    const here = runScope({ server: 'https://cluster.test:6443', namespace: 'ci' });
    deadRun('dead0001', here);
    const forget = registerRun('alive001', here);
    const { connection, left } = fakeCluster([
      { kind: 'Pod', name: 'kact-dead0001-build', runId: 'dead0001' },
      { kind: 'Secret', name: 'kact-dead0001-build-secrets', runId: 'dead0001' },
      { kind: 'ConfigMap', name: 'kact-dead0001-build-env', runId: 'dead0001' },
      { kind: 'Pod', name: 'kact-alive001-build', runId: 'alive001' },
      { kind: 'Pod', name: 'kact-elsewhere-build', runId: 'elsewhere' },
    ]);
    const line = await collectBeforeRun(connection);
    expect(line).toBe('removed 3 objects left by runs that are over: pod kact-dead0001-build, configmap kact-dead0001-build-env, secret kact-dead0001-build-secrets');
    expect(left.map((o) => o.name).sort()).toEqual(['kact-alive001-build', 'kact-elsewhere-build']);
    // Collected: the next run has nothing to look for.
    expect(runLiveness('dead0001')).toBe('unknown');
    expect(runLiveness('alive001')).toBe('alive');
    forget();
  });

  it('makes no cluster call and prints nothing when no run of this machine died', async () => {
    const forget = registerRun('alive002', runScope({ server: 'https://cluster.test:6443', namespace: 'ci' }));
    // A dead run that worked in another namespace left nothing here to look for.
    deadRun('dead0002', runScope({ server: 'https://cluster.test:6443', namespace: 'other' }));
    const { connection, calls } = fakeCluster([{ kind: 'Pod', name: 'kact-elsewhere-build', runId: 'elsewhere' }]);
    expect(await collectBeforeRun(connection)).toBeUndefined();
    expect(calls).toEqual([]);
    // It stays known, for a run in its own namespace to collect.
    expect(deadRuns(runScope({ server: 'https://cluster.test:6443', namespace: 'other' }))).toEqual([{ runId: 'dead0002', here: true }]);
    forget();
  });

  it('prints nothing when a dead run left nothing, and names five objects at most', async () => {
    deadRun('dead0003');
    const empty = fakeCluster([]);
    expect(await collectBeforeRun(empty.connection)).toBeUndefined();
    expect(empty.calls).toHaveLength(4);
    // Its scope was not recorded (an older kact registered it): it may have left objects elsewhere, so it stays.
    expect(runLiveness('dead0003')).toBe('dead');
    const many = fakeCluster(Array.from({ length: 8 }, (_, i) => ({ kind: 'Secret' as const, name: `s${i}`, runId: 'dead0003' })));
    expect(await collectBeforeRun(many.connection)).toBe('removed 8 objects left by runs that are over: secret s0, secret s1, secret s2, secret s3, secret s4 and 3 more');
  });

  it('never fails the run: a Role that may not list is a warning line', async () => {
    deadRun('dead0004', runScope({ server: 'https://cluster.test:6443', namespace: 'ci' }));
    const { connection } = fakeCluster([], { forbidden: true });
    expect(await collectBeforeRun(connection)).toBe('warning: could not remove what earlier runs left (kact may not list or delete them in namespace ci); `kact gc` removes it');
    // Not collected: still known as dead, for the next run or `kact gc`.
    expect(existsSync(join(stateHome, 'kact', 'runs', 'dead0004'))).toBe(true);
  });
});
