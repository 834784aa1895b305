import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { newRunId } from '@kact/core';
import { findTestCluster, KUBE_LOCAL_KUBECONFIG, LABELS, type KubeConnection } from '@kact/kubernetes';
import { measureBarePodStarts, type BenchResults } from '../src/index.js';

const kactBin = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/cli/bin/kact.js');
const cliBuilt = existsSync(resolve(dirname(kactBin), '../dist/main.js'));
const probe = await findTestCluster();
const cluster = 'connection' in probe ? probe.connection : undefined;
const skipReason = !cluster ? `no cluster: ${'reason' in probe ? probe.reason : ''}` : !cliBuilt ? 'the CLI is not built (npm run build)' : undefined;
if (skipReason) console.warn(`kact bench cluster smoke test skipped: ${skipReason}`);

/** Pods of the run still there and not on their way out (kact deletes with a zero grace period). */
async function podsLeft(connection: KubeConnection, runId: string): Promise<(string | undefined)[]> {
  const pods = await connection.core.listNamespacedPod({ namespace: connection.namespace, labelSelector: `${LABELS.runId}=${runId}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name);
}

function kact(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [kactBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(skipReason !== undefined)('kact bench on the cluster', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('runs the steps scenario once, reports an unknown strategy, and writes table, JSON and chart', async () => {
    out = await mkdtemp(join(tmpdir(), 'kact-bench-smoke-'));
    const kubeconfig = process.env['KUBECONFIG'] || KUBE_LOCAL_KUBECONFIG;
    const namespace = process.env['KACT_TEST_NAMESPACE'];
    const dir = join(out, 'results');
    const ran = await kact(['bench', '--repeat', '1', '--scenarios', 'steps', '--strategies', 'exec,no-such', '--out', dir, '--kubeconfig', kubeconfig, ...(namespace ? ['--namespace', namespace] : [])]);
    expect(ran.stderr).toContain('strategy no-such is unavailable, benchmarking without it');
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('| scenario | metric | unit | exec p50 | exec p95 |');
    expect(ran.stdout).toMatch(/\| steps \| per-step duration \| ms \| [\d.]+ \| [\d.]+ \|/);
    expect(ran.stdout).toMatch(/\| steps \| per-step overhead over raw exec \| ms \| -?[\d.]+ \|/);
    expect(ran.stdout).toContain('- no-such: not measured, unavailable');

    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as BenchResults;
    expect(results.strategies).toEqual(['exec']);
    expect(results.runs).toHaveLength(1);
    expect(results.runs[0]).toMatchObject({ scenario: 'steps', strategy: 'exec', ok: true });
    expect(results.runs[0]!.values['steps.step']).toHaveLength(50);
    expect(results.rawExec[0]!.samples).toHaveLength(200);
    expect(XMLValidator.validate(await readFile(join(dir, 'results.svg'), 'utf8'))).toBe(true);
    expect(await readFile(join(dir, 'results.md'), 'utf8')).toContain('Raw exec round-trip');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('*\n');

    // Nothing left behind.
    const runIds = [...results.runs.flatMap((r) => (r.runId ? [r.runId] : [])), ...results.rawExec.map((r) => r.runId)];
    expect(runIds).toHaveLength(2);
    for (const runId of runIds) expect(await podsLeft(cluster!, runId)).toEqual([]);
  });

  it('starts bare pods of the runner image one after another, each Running and exec\'d into, and leaves none', async () => {
    const runId = newRunId();
    const measured = await measureBarePodStarts(cluster!, { runId, count: 2 });
    expect(measured.failures).toEqual([]);
    expect(measured.samples).toHaveLength(2);
    for (const ms of measured.samples) expect(ms).toBeGreaterThan(0);
    expect(await podsLeft(cluster!, runId)).toEqual([]);
  });
});
