import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Container, type ContainerModule } from 'inversify';
import { TOKENS, type ContainerSelection, type JobBackend, type SecretProvider, type StepStrategy } from '@kact/core';
import { InputError } from '@kact/model';
import type { KubeConnection, KubeConnectionOptions } from '@kact/kubernetes';
import { BUILT_IN_STRATEGIES, builtInModules, type ModuleFlags } from './config/built-in-modules.js';
import type { KactConfig } from './config/kact-config.js';
import { KUBE_TOKENS } from '@kact/kubernetes/tokens';
import { dryRunBackend, dryRunStrategy } from './dry-run-modules.js';
import { decorateStrategy, loadPlugin, ownerOf, replacingModule, resolveToken, type BindingOwners } from './plugin-loader.js';

/** Where the cluster is: act-style flags shared by run and gc. */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** The kube-local cluster's kubeconfig, used when nothing else names a cluster. */
const LOCAL_KUBECONFIG = '/var/lib/kube-local/admin.kubeconfig';

function defaultKubeconfig(): string | undefined {
  if (process.env.KUBECONFIG || existsSync(join(homedir(), '.kube', 'config'))) return undefined;
  return existsSync(LOCAL_KUBECONFIG) ? LOCAL_KUBECONFIG : undefined;
}

/** The cluster options the command line gives, with kube-local as the fallback. */
export function clusterOptions(flags: ClusterFlags): KubeConnectionOptions {
  const kubeconfig = flags.kubeconfig ?? defaultKubeconfig();
  return { ...flags, ...(kubeconfig ? { kubeconfig } : {}) };
}

/** Everything a run is made of, resolved from kact's modules, the config file's and the plugins. */
export interface Backend {
  backend: JobBackend;
  strategy: StepStrategy;
  containers: ContainerSelection;
  secrets: SecretProvider;
  /** In a dry run, a stand-in that throws when used (as are backend and strategy, if built in). */
  connection: KubeConnection;
  /** The name of the module behind each token, for `--dry-run` and reports. */
  modules: Record<'strategy' | 'containers' | 'env' | 'secrets' | 'files' | 'services', string>;
}

export interface CompositionFlags extends ClusterFlags, ModuleFlags {
  /** `--strategy`: over the config's `strategy:`; exec when neither names one. */
  strategy?: string;
  /** `--plugin`s, after the config's `plugins:`. */
  plugins: string[];
  /** Where `--plugin` paths are relative to. */
  cwd: string;
  /** The user's project: plugin packages are looked up in its node_modules first. */
  repoRoot: string;
  config: KactConfig;
  /**
   * `--dry-run`: the Kubernetes backend and a built-in step strategy are stand-ins (see
   * dry-run-modules.ts), so no kubeconfig is read and no Kubernetes client loaded.
   */
  dryRun?: boolean;
}

/** The Kubernetes backend and the built-in strategy a run loads, or what a dry run loads in their place. */
async function clusterModules(flags: CompositionFlags, strategyName: string): Promise<{ backend: ContainerModule; strategy?: ContainerModule }> {
  const builtIn = BUILT_IN_STRATEGIES[strategyName];
  if (flags.dryRun) return { backend: dryRunBackend, ...(builtIn ? { strategy: dryRunStrategy(strategyName) } : {}) };
  const [{ kubernetesBackend }, strategy] = await Promise.all([import('@kact/kubernetes'), builtIn?.()]);
  return { backend: kubernetesBackend(clusterOptions(flags)), ...(strategy ? { strategy } : {}) };
}

/**
 * The composition root: the Kubernetes backend, kact's module for each token as the config file
 * and flags choose, then every plugin (the config's, then `--plugin`s), each replacing what it
 * binds; decorators of the step strategy stack. Resolves every token, so a bad plugin is refused
 * here, before anything touches the cluster (`--dry-run` composes too). Talks to no API server.
 */
export async function composeBackend(flags: CompositionFlags): Promise<Backend> {
  const { config } = flags;
  const strategyName = flags.strategy ?? config.strategy ?? 'exec';
  const modules = await builtInModules(config, flags);
  const { backend, strategy } = await clusterModules(flags, strategyName);
  const container = new Container();
  await container.load(backend, ...modules, ...(strategy ? [strategy] : []));
  const owners: BindingOwners = new Map();
  const specifiers = [...config.plugins, ...flags.plugins.map((specifier) => ({ specifier, baseDir: flags.cwd }))];
  for (const { specifier, baseDir } of specifiers) {
    await container.load(replacingModule(await loadPlugin(specifier, { baseDir, projectDir: flags.repoRoot }), owners));
  }
  if (!strategy && !owners.has(TOKENS.StepStrategy)) {
    throw InputError.at(`--strategy ${strategyName}: unknown; built in: ${Object.keys(BUILT_IN_STRATEGIES).join(', ')} (or load one with --plugin)`);
  }
  const resolve = <T>(token: symbol) => resolveToken<T>(container, token, ownerOf(owners, token));
  const strategyResolved = decorateStrategy(container, resolve<StepStrategy>(TOKENS.StepStrategy), owners);
  const containers = resolve<ContainerSelection>(TOKENS.ContainerSelection);
  const secrets = resolve<SecretProvider>(TOKENS.SecretProvider);
  const named = (token: symbol) => String(resolve<{ name?: unknown }>(token).name ?? '?');
  return {
    // Resolving it resolves the EnvProvider, FileSharing and ServiceNetworking it builds pods with.
    backend: resolve<JobBackend>(TOKENS.JobBackend),
    strategy: strategyResolved,
    containers,
    secrets,
    connection: resolve<KubeConnection>(KUBE_TOKENS.Connection),
    modules: {
      strategy: strategyResolved.name,
      containers: containers.name,
      env: named(TOKENS.EnvProvider),
      secrets: secrets.name,
      files: named(TOKENS.FileSharing),
      services: named(TOKENS.ServiceNetworking),
    },
  };
}
