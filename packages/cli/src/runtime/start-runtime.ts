import { resolve } from 'node:path';
import { openReverseTunnel, type KubeConnection } from '@kact/kubernetes';
import { chooseRoute } from './pod-route.js';
import { RunRuntime } from './run-runtime.js';
import { defaultArtifactDir, defaultCacheDir, parseSize, type RouteMode, type RuntimeFlags } from './runtime-flags.js';

/**
 * Starts the run's services where the flags say and the route pods take to them, without
 * waiting for them (RunRuntime.ready). With a tunnel,
 * the relay pod carries the run's labels, so `kact gc` collects it if kact dies.
 */
export function startRunRuntime(flags: RuntimeFlags, connection: KubeConnection, runId: string, signal: AbortSignal, log: (line: string) => void): RunRuntime {
  const route = chooseRoute(flags.runtimeRoute as RouteMode, connection, async (port) => {
    const tunnel = await openReverseTunnel(connection, { runId, target: { host: '127.0.0.1', port }, signal, warn: log });
    return { url: new URL(tunnel.url), description: `reverse tunnel through pod ${tunnel.podName}`, close: () => tunnel.close() };
  });
  return RunRuntime.start(
    {
      artifactDir: resolve(flags.artifactServerPath ?? defaultArtifactDir()),
      ...(flags.cacheServer ? { cacheDir: resolve(flags.cacheServerPath ?? defaultCacheDir()), cacheMaxBytes: parseSize(flags.cacheMaxSize, '--cache-max-size') } : {}),
    },
    route,
    log,
  );
}
