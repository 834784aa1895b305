import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench, type StrategyTarget } from '@kact/bench';
import type { JobBackend, JobPod, ProcessResult, StepStrategy } from '@kact/core';
import type { KubeConnection } from '@kact/kubernetes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gcMayCollect, registerRun, runLiveness } from './run-registry.js';

let stateHome: string;
let savedStateHome: string | undefined;
beforeEach(() => {
  savedStateHome = process.env.XDG_STATE_HOME;
  stateHome = mkdtempSync(join(tmpdir(), 'kact-registry-'));
  process.env.XDG_STATE_HOME = stateHome;
});
afterEach(() => {
  if (savedStateHome === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedStateHome;
  rmSync(stateHome, { recursive: true, force: true });
});

describe('run registry', () => {
  it('a registered run is alive until forgotten, then unknown', () => {
    const forget = registerRun('abcd1234');
    expect(runLiveness('abcd1234')).toBe('alive');
    forget();
    expect(runLiveness('abcd1234')).toBe('unknown');
    forget();
  });

  it('a run whose process is gone is dead', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(stateHome, 'kact', 'runs'), { recursive: true });
    writeFileSync(join(stateHome, 'kact', 'runs', 'deadbeef'), String(gone));
    expect(runLiveness('deadbeef')).toBe('dead');
  });

  it('gc never collects a live run, always a dead one, an unknown one only with --all', () => {
    const forget = registerRun('1111aaaa');
    mkdirSync(join(stateHome, 'kact', 'runs'), { recursive: true });
    writeFileSync(join(stateHome, 'kact', 'runs', '2222bbbb'), String(spawnSync(process.execPath, ['-e', '']).pid!));
    expect([gcMayCollect('1111aaaa', false), gcMayCollect('1111aaaa', true)]).toEqual([false, false]);
    expect([gcMayCollect('2222bbbb', false), gcMayCollect('2222bbbb', true)]).toEqual([true, true]);
    expect([gcMayCollect('3333cccc', false), gcMayCollect('3333cccc', true)]).toEqual([false, true]);
    forget();
  });
});

describe('kact bench and kact gc', () => {
  /** A target whose pods and steps need no cluster; it asks gc --all about its run as it goes. */
  function fakeTarget(askedGc: Map<string, boolean[]>): StrategyTarget {
    const ask = (runId: string) => askedGc.set(runId, [...(askedGc.get(runId) ?? []), gcMayCollect(runId, true)]);
    const backend: JobBackend = {
      startJob: async (request) => {
        ask(request.runId);
        return { name: request.name, namespace: 'bench', mainContainer: request.main.name, services: {} } satisfies JobPod;
      },
      copyIn: async () => undefined,
      stopJob: async () => undefined,
    };
    const done = (files: Record<string, string>): ProcessResult => ({ exitCode: 0, fileCommands: Object.fromEntries(Object.keys(files).map((k) => [k, ''])) });
    const strategy: StepStrategy = {
      name: 'exec',
      runProcess: async (_pod, request) => done(request.fileCommands),
      runContainer: async (_pod, request) => done(request.fileCommands),
    };
    const connection = { server: 'https://cluster.invalid', context: 'fake', namespace: 'bench' } as KubeConnection;
    return { name: 'exec', backend, strategy, connection };
  }

  it('gc --all leaves the pods of a running bench alone (baseline and scenario runs), and collects nothing it forgot', async () => {
    const askedGc = new Map<string, boolean[]>();
    const target = fakeTarget(askedGc);
    const results = await runBench({
      targets: [target],
      scenarios: ['steps', 'env-500'],
      repeat: 1,
      concurrentJobs: 1,
      rawExecCount: 1,
      rawExec: async (backend, _connection, options) => {
        await backend.startJob({ runId: options.runId, name: `kact-${options.runId}-raw-exec`, labels: {}, main: { name: 'runner', image: 'busybox', env: {}, keepAlive: true }, services: [], extra: [], secrets: {} }, new AbortController().signal);
        return { samples: [1], failures: [] };
      },
      // What `kact bench` hands runBench (packages/cli/src/commands/bench.ts).
      registerRun,
    });
    expect(results.runs.every((r) => r.ok)).toBe(true);
    const runIds = [...results.rawExec.map((r) => r.runId), ...results.runs.flatMap((r) => (r.runId ? [r.runId] : []))];
    expect(runIds).toHaveLength(3);
    expect([...askedGc.keys()].sort()).toEqual([...runIds].sort());
    for (const answers of askedGc.values()) expect(answers.every((mayCollect) => !mayCollect)).toBe(true);
    // Over: nothing is left registered.
    for (const runId of runIds) expect(runLiveness(runId)).toBe('unknown');
  });
});
