import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCaseRepo, type CaseRepo } from '../src/case-repo.js';
import { REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import type { Cluster } from '../src/cluster-providers/cluster-provider.js';
import { runKact, type KactExit } from '../src/kact-process.js';
import { findLeftovers, listRunResources, runIdFromOutput } from '../src/leftovers.js';
import { ownNamespace, type OwnNamespace } from './own-namespace.js';
import { SilentProxy } from './silent-proxy.js';

// Issue 14: what a user's run survives. Each fault strikes while a step of the run is printing
// a line a second (fixtures/long-step), under each step strategy, on the local cluster: the API
// server crashes, the kubelet stops, a connection to the API server goes silent, the job pod is
// deleted, kact itself is SIGKILLed, and two runs share a namespace. They take parts of the
// cluster away, so they run alone, after every other test (tools/test/run.sh).

const KACT_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js');
const KUBE_LOCAL = join(REPO_ROOT, 'tools', 'kube-local', 'bin', 'kube-local');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'long-step');

const provider = new LocalProvider({ repoRoot: REPO_ROOT });
const availability = await provider.check();
const skipReason = !availability.available
  ? availability.reason
  : process.getuid?.() !== 0
    ? 'the faults restart kube-local components, which needs root'
    : !existsSync(KUBE_LOCAL)
      ? `${KUBE_LOCAL} is not built (tools/setup)`
      : undefined;
if (skipReason) console.log(`fault tests skipped: ${skipReason}`);

const restart = (component: string, ...flags: string[]) => promisify(execFile)(KUBE_LOCAL, ['restart', ...flags, component], { timeout: 120_000 });

let own: OwnNamespace | undefined;
let cluster: Cluster;
let namespace: string;
let core: CoreV1Api;

interface Fault {
  /** The output that says the step is under way. */
  at: string;
  strike: (run: { output: string; pid: number; kill: (signal: NodeJS.Signals) => void }) => Promise<unknown>;
}

interface Outcome extends KactExit {
  runId: string;
  struck: boolean;
  /** Wall time of the run, and of the fault within it (for the record in README's fault table). */
  seconds: number;
  struckAt: number;
}

/** One `kact run` of the long-step fixture, with the fault struck once the output shows `fault.at`. */
async function runLongStep(strategy: string, lines: number, fault?: Fault, options: { kubeconfig?: string; repo?: CaseRepo } = {}): Promise<Outcome> {
  const repo = options.repo ?? (await prepareCaseRepo(FIXTURE, `faults-${strategy}`, {}, []));
  let strike: Promise<unknown> | undefined;
  const started = Date.now();
  let struckAt = 0;
  try {
    const run = await runKact({
      bin: KACT_BIN,
      args: runArgs(repo, strategy, options.kubeconfig ?? cluster.kubeconfig, [`--env`, `LINES=${lines}`]),
      cwd: repo.repo,
      timeoutMs: 5 * 60_000,
      onOutput: (output, child) => {
        if (!fault || strike || !output.includes(fault.at)) return;
        struckAt = (Date.now() - started) / 1000;
        strike = fault.strike({ output, pid: child.pid!, kill: (signal) => child.kill(signal) });
      },
    });
    const seconds = (Date.now() - started) / 1000;
    await strike;
    if (fault) console.log(`${strategy}: fault at ${struckAt.toFixed(1)} s, run over at ${seconds.toFixed(1)} s, exit ${run.exit ?? run.signal}`);
    return { ...run, runId: runIdFromOutput(run.output) ?? '', struck: strike !== undefined, seconds, struckAt };
  } finally {
    if (!options.repo) await repo.remove();
  }
}

function runArgs(repo: CaseRepo, strategy: string, kubeconfig: string, extra: string[]): string[] {
  return ['run', '-C', repo.repo, '--strategy', strategy, '--kubeconfig', kubeconfig, '--namespace', namespace, '--action-cache-path', repo.actionCache, '--no-cache-server', ...extra];
}

/** Each `line N` of the counting step, in order, exactly once. */
function expectEveryLineOnce(output: string, lines: number): void {
  const seen = [...output.matchAll(/\| line (\d+)$/gm)].map((m) => Number(m[1]));
  expect(seen, output).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
}

/** `kact gc` in the test's namespace, as a user runs it after a run died. */
const kactGc = () => runKact({ bin: KACT_BIN, args: ['gc', '--kubeconfig', cluster.kubeconfig, '--namespace', namespace], cwd: REPO_ROOT, timeoutMs: 60_000 });

const podOf = (output: string) => /starting pod (kact-[0-9a-f]{8}-long-[0-9a-f]+)/.exec(output)?.[1];

describe.skipIf(skipReason !== undefined)('what a run survives (issue 14)', () => {
  beforeAll(async () => {
    expect(existsSync(join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js')), 'the test runs the built kact: npx nx run-many -t build').toBe(true);
    own = await ownNamespace(provider, 'kact-faults');
    ({ cluster, core, namespace } = own);
  });
  afterAll(async () => {
    await own?.remove();
  });

  describe.each(['exec', 'sidecar'])('under %s', (strategy) => {
    it('an API server killed mid-step and back 5 s later: every line once, the run succeeds, nothing left', async () => {
      const run = await runLongStep(strategy, 15, { at: '| line 3', strike: () => restart('apiserver', '--kill', '--down', '5s') });
      expect(run.struck).toBe(true);
      expect(run.exit, run.output).toBe(0);
      expectEveryLineOnce(run.output, 15);
      expect(run.output).toContain('second step ran');
      expect(await findLeftovers({ ...cluster, namespace }, run.runId)).toEqual([]);
    });

    it('the kubelet stopped for 10 s mid-step: every line once, the run succeeds', async () => {
      const run = await runLongStep(strategy, 20, { at: '| line 3', strike: () => restart('kubelet', '--down', '10s') });
      expect(run.exit, run.output).toBe(0);
      expectEveryLineOnce(run.output, 20);
      expect(run.output).toContain('second step ran');
      expect(await findLeftovers({ ...cluster, namespace }, run.runId)).toEqual([]);
    });

    it('every connection to the API server gone silent mid-step (not closed): noticed, and the step recovered, never lost', async () => {
      const proxy = new SilentProxy(new URL(serverOf(cluster.kubeconfig)).hostname, Number(new URL(serverOf(cluster.kubeconfig)).port || 443));
      await proxy.start();
      const kubeconfig = join(await mkTemp(), 'proxied.kubeconfig');
      writeFileSync(kubeconfig, withServer(cluster.kubeconfig, `https://127.0.0.1:${proxy.port}`));
      try {
        const run = await runLongStep(strategy, 15, { at: '| line 3', strike: async () => proxy.silence() }, { kubeconfig });
        expect(proxy.silenced).toBeGreaterThan(0);
        expect(run.exit, run.output).toBe(0);
        expectEveryLineOnce(run.output, 15);
        expect(run.output).toContain('second step ran');
      } finally {
        await proxy.close();
      }
    });

    it('the job pod deleted mid-step: the step fails at once naming the pod, if: failure() jobs run, nothing left', async () => {
      const run = await runLongStep(strategy, 60, {
        at: '| line 3',
        strike: ({ output }) => core.deleteNamespacedPod({ name: podOf(output)!, namespace, gracePeriodSeconds: 0 }),
      });
      expect(run.exit, run.output).toBe(1);
      expect(run.output).toMatch(/pod kact-[0-9a-f]{8}-long-[0-9a-f]+ (is gone|was deleted)/);
      // The step would have counted to 60: it failed when its pod went, not when it would have ended.
      expect(run.output).not.toContain('| line 30');
      expect(run.output).not.toContain('second step ran');
      expect(run.output).toContain('after-failure ran');
      expect(await findLeftovers({ ...cluster, namespace }, run.runId)).toEqual([]);
    });

    it('kact SIGKILLed mid-step: its pod and objects stay, and `kact gc` removes exactly them', async () => {
      const run = await runLongStep(strategy, 60, { at: '| line 3', strike: async ({ kill }) => kill('SIGKILL') });
      expect(run.signal).toBe('SIGKILL');
      const left = await listRunResources({ ...cluster, namespace }, run.runId);
      expect(left.some((l) => l.startsWith('pod/'))).toBe(true);
      const gc = await kactGc();
      expect(gc.exit, gc.output).toBe(0);
      for (const object of left) expect(gc.output).toContain(object.split('/')[2]);
      expect(await findLeftovers({ ...cluster, namespace }, run.runId)).toEqual([]);
    });
  });

  it('two runs in one namespace: neither touches the other, and `kact gc` after one is killed removes its objects only', async () => {
    const survivorRepo = await prepareCaseRepo(FIXTURE, 'faults-survivor', {}, []);
    const victimRepo = await prepareCaseRepo(FIXTURE, 'faults-victim', {}, []);
    let survivorPod: string | undefined;
    let victim: Outcome | undefined;
    let gc: KactExit | undefined;
    try {
      // Once the first run is mid-step, a second starts in the same namespace, is killed mid-step
      // and collected by `kact gc`, all while the first goes on.
      const survivor = await runLongStep('exec', 25, {
        at: '| line 2',
        strike: async ({ output }) => {
          survivorPod = podOf(output);
          victim = await runLongStep('sidecar', 60, { at: '| line 3', strike: async ({ kill }) => kill('SIGKILL') }, { repo: victimRepo });
          gc = await kactGc();
        },
      }, { repo: survivorRepo });
      expect(victim?.signal).toBe('SIGKILL');
      expect(gc?.exit, gc?.output).toBe(0);
      expect(gc?.output).toContain(podOf(victim!.output)!);
      expect(gc?.output).not.toContain(survivorPod!);
      expect(await findLeftovers({ ...cluster, namespace }, victim!.runId)).toEqual([]);
      expect(survivor.exit, survivor.output).toBe(0);
      expectEveryLineOnce(survivor.output, 25);
      expect(await findLeftovers({ ...cluster, namespace }, survivor.runId)).toEqual([]);
    } finally {
      await survivorRepo.remove();
      await victimRepo.remove();
    }
  });
});

function serverOf(kubeconfig: string): string {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return config.getCurrentCluster()!.server;
}

/** The kubeconfig with its cluster's server replaced (same credentials, same CA). */
function withServer(kubeconfig: string, server: string): string {
  const doc = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of doc.clusters) c.cluster.server = server;
  return stringify(doc);
}

function mkTemp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kact-faults-'));
}
