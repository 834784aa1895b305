import type { ContainerModule } from 'inversify';
import { InputError } from '@kact/model';
import { platformContainers } from '@kact/containers-platforms';
import { parseRunnerClasses, runnerClasses } from '@kact/containers-runner-classes';
import { envFromConfigMap } from '@kact/env-configmap';
import { envInline } from '@kact/env-inline';
import { filesOnEmptyDirs } from '@kact/files-emptydir';
import { filesOnClaims, parseClaimSettings } from '@kact/files-pvc';
import { secretsPerJob } from '@kact/secrets-job';
import { servicesInPod } from '@kact/services-in-pod';
import type { KactConfig } from './kact-config.js';

// The modules built on the Kubernetes client (the step strategies, secrets-cluster, services-pods)
// are imported only when chosen, and the strategies only for a run: `kact run --dry-run` binds
// stand-ins for them (dry-run-modules.ts) and so loads no Kubernetes client.

/** Built-in step strategies by the name `--strategy` (or `strategy:`) takes. */
export const BUILT_IN_STRATEGIES: Record<string, () => Promise<ContainerModule>> = {
  exec: async () => (await import('@kact/strategy-exec')).execStrategy,
  sidecar: async () => (await import('@kact/strategy-sidecar')).sidecarStrategy,
};

/** What the command line says over the config file. */
export interface ModuleFlags {
  /** `-P label=image`. */
  platform: string[];
  /** `--tool-cache-pvc CLAIM`: the tool cache on that claim. */
  toolCachePvc?: string;
}

/** The ContainerSelection module: runner classes when the config has them, else act's -P map. */
export function containerSelectionModule(config: KactConfig, flags: Pick<ModuleFlags, 'platform'>): ContainerModule {
  if (config.runnerClasses === undefined) return platformContainers(flags.platform);
  return located(config, ['containers', 'runnerClasses'], () => runnerClasses(parseRunnerClasses(config.runnerClasses), flags.platform));
}

/**
 * A module's settings checked by the module itself: its error, one line at the file and line of
 * the setting it names (`err.path` and `err.problem`), or of `path`.
 */
function located<T>(config: KactConfig, path: Array<string | number>, make: () => T): T {
  try {
    return make();
  } catch (err) {
    const { path: at, problem } = err as { path?: Array<string | number>; problem?: string };
    if (at && problem) throw InputError.at(`${at.join('.')}: ${problem}`, config.locate(at));
    throw InputError.at(`${path.join('.')}: ${(err as Error).message}`, config.locate(path));
  }
}

/**
 * kact's module for each token as the config file and flags choose: the defaults (ConfigMap env,
 * a per-job Secret, emptyDirs, services in the pod) unless told otherwise. The step strategy is
 * chosen apart (it may come from a plugin).
 */
export async function builtInModules(config: KactConfig, flags: ModuleFlags): Promise<ContainerModule[]> {
  const { secrets } = config;
  const fromCluster = secrets.kind === 'cluster' ? (await import('@kact/secrets-cluster')).secretsFromCluster : undefined;
  const asPods = config.services === 'pods' ? (await import('@kact/services-pods')).servicesAsPods : undefined;
  return [
    containerSelectionModule(config, flags),
    config.env === 'inline' ? envInline : envFromConfigMap,
    fromCluster && secrets.kind === 'cluster' ? located(config, ['secrets', 'from'], () => fromCluster(secrets.from)) : secretsPerJob,
    config.files !== undefined || flags.toolCachePvc ? located(config, ['files'], () => filesOnClaims(parseClaimSettings(config.files, flags.toolCachePvc))) : filesOnEmptyDirs,
    asPods ? asPods() : servicesInPod,
  ];
}
