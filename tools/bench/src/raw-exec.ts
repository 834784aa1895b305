import type { JobBackend } from '@kact/core';
import { DEFAULT_RUNNER_IMAGE } from '@kact/containers-platforms';
import { KubeExecTransport, type KubeConnection } from '@kact/kubernetes';
import type { BaselineResult } from './baselines.js';

export interface RawExecOptions {
  runId: string;
  /** Round-trips measured (after a few unmeasured warm-up ones). */
  count: number;
  image?: string;
  signal?: AbortSignal;
}

const WARM_UP = 5;

/**
 * The floor a strategy's per-step cost is compared with: `exec true` round-trips into a running
 * job pod's runner container through the same websocket transport kact uses, one after another.
 */
export async function measureRawExec(backend: JobBackend, connection: KubeConnection, options: RawExecOptions): Promise<BaselineResult> {
  const signal = options.signal ?? new AbortController().signal;
  const pod = await backend.startJob(
    {
      runId: options.runId,
      name: `kact-${options.runId}-raw-exec`,
      labels: { 'kact.dev/job': 'bench-raw-exec' },
      main: { name: 'runner', image: options.image ?? DEFAULT_RUNNER_IMAGE, env: {}, keepAlive: true },
      services: [],
      extra: [],
      secrets: {},
    },
    signal,
  );
  const transport = new KubeExecTransport(connection);
  const samples: number[] = [];
  const failures: string[] = [];
  const ignore = () => undefined;
  try {
    for (let i = 0; i < WARM_UP + options.count && !signal.aborted; i++) {
      const started = performance.now();
      const result = await transport.exec(pod, pod.mainContainer, ['true'], { onStdout: ignore, onStderr: ignore });
      const ms = performance.now() - started;
      if (result.exitCode !== 0) failures.push(result.lostReason ?? `exit code ${result.exitCode}`);
      else if (i >= WARM_UP) samples.push(ms);
    }
  } finally {
    await backend.stopJob(pod);
  }
  return { samples, failures };
}
