// Helpers shared by the kube-local proofs: find the local cluster, wait for things, exec through
// the API server. Everything goes through @kubernetes/client-node, never kubectl.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

export const STATE_DIR = process.env.KUBE_LOCAL_STATE_DIR ?? '/var/lib/kube-local';
export const KUBECONFIG = join(STATE_DIR, 'admin.kubeconfig');
export const BINARY = new URL('../bin/kube-local', import.meta.url).pathname;

export interface Cluster {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
}

/** The local cluster if its apiserver answers within `timeoutMs`, otherwise why not. */
/** The runner image the proofs run their pods on. */
export const RUNNER = 'kact.local/runner:trixie';

/** The local cluster, or undefined after printing why `what` is skipped. */
export async function localClusterFor(what: string): Promise<Cluster | undefined> {
  const probe = await findLocalCluster();
  if ('kc' in probe) return probe;
  console.warn(`${what} skipped: ${probe.reason}`);
  return undefined;
}

export async function findLocalCluster(timeoutMs = 5_000): Promise<Cluster | { reason: string }> {
  if (!existsSync(KUBECONFIG)) return { reason: `no kubeconfig at ${KUBECONFIG} (run: tools/kube-local/bin/kube-local up)` };
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(KUBECONFIG);
  } catch (e) {
    return { reason: `cannot read ${KUBECONFIG}: ${(e as Error).message}` };
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await withTimeout(core.listNode(), timeoutMs, `the apiserver at ${kc.getCurrentCluster()?.server} did not answer`);
  } catch (e) {
    return { reason: `cluster not reachable: ${(e as Error).message} (run: tools/kube-local/bin/kube-local up)` };
  }
  return { kc, core };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `probe` every `everyMs` until it returns something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function nodeReady(core: k8s.CoreV1Api): Promise<k8s.V1Node | undefined> {
  const nodes = await core.listNode();
  return nodes.items.find((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** One exec round-trip through the API server (WebSocket): stdout, stderr and the exit code. */
export async function execIn(
  kc: k8s.KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  timeoutMs = 30_000,
): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  let status: k8s.V1Status | undefined;
  const ws = await new k8s.Exec(kc).exec(
    namespace,
    pod,
    container,
    command,
    sink((s) => (stdout += s)),
    sink((s) => (stderr += s)),
    null,
    false,
    (s) => (status = s),
  );
  await new Promise<void>((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`exec ${command.join(' ')}: no exit within ${timeoutMs} ms (stdout so far: ${JSON.stringify(stdout)})`));
    }, timeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  if (!status) throw new Error(`exec ${command.join(' ')}: the connection closed without a status (stderr: ${stderr})`);
  return { stdout, stderr, exitCode: exitCodeOf(status) };
}

function exitCodeOf(status: k8s.V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined) return Number(cause.message);
  throw new Error(`exec failed: ${status.message ?? JSON.stringify(status)}`);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Pod spec defaults every proof uses: local images only, no cluster DNS, no grace period. */
export function podSpec(spec: Omit<k8s.V1PodSpec, 'dnsPolicy' | 'terminationGracePeriodSeconds'>): k8s.V1PodSpec {
  return {
    dnsPolicy: 'Default',
    terminationGracePeriodSeconds: 0,
    ...spec,
    containers: spec.containers.map((c) => ({ imagePullPolicy: 'Never', ...c })),
  };
}
