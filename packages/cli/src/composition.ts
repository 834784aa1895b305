import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Container, ContainerModule } from 'inversify';
import { TOKENS, type JobBackend, type StepStrategy } from '@kact/core';
import { InputError } from '@kact/model';
import { kubernetesBackend, KUBE_TOKENS, type KubeConnection, type KubeConnectionOptions } from '@kact/kubernetes';
import { execStrategy } from '@kact/strategy-exec';
import { sidecarStrategy } from '@kact/strategy-sidecar';

/** Built-in step strategies by the name `--strategy` takes. */
const BUILT_IN_STRATEGIES: Record<string, ContainerModule> = { exec: execStrategy, sidecar: sidecarStrategy };

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

export interface Backend {
  backend: JobBackend;
  strategy: StepStrategy;
  connection: KubeConnection;
}

/** Loads a `--plugin` package or file: its default export, or its only ContainerModule export. */
async function loadPlugin(specifier: string, cwd: string): Promise<ContainerModule> {
  const target = specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(cwd, specifier)).href : specifier;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    throw InputError.at(`--plugin ${specifier}: cannot load it: ${(err as Error).message}`);
  }
  const modules = Object.values(loaded).filter((v): v is ContainerModule => v instanceof ContainerModule || (typeof v === 'object' && v !== null && 'load' in v && 'id' in v));
  const chosen = loaded.default ?? (modules.length === 1 ? modules[0] : undefined);
  if (!chosen) throw InputError.at(`--plugin ${specifier}: it must export one inversify ContainerModule (as default or its only export)`);
  return chosen as ContainerModule;
}

/**
 * The composition root: the Kubernetes backend, the chosen step strategy and any plugins, bound
 * in one container. Plugins load last, so one may rebind a token (its own StepStrategy, say).
 */
export async function composeBackend(flags: ClusterFlags & { strategy: string; plugins: string[]; cwd: string }): Promise<Backend> {
  const kubeconfig = flags.kubeconfig ?? defaultKubeconfig();
  const options: KubeConnectionOptions & { strategy: string; plugins: string[]; cwd: string } = {
    ...flags,
    ...(kubeconfig ? { kubeconfig } : {}),
  };
  const container = new Container();
  const strategy = BUILT_IN_STRATEGIES[options.strategy];
  if (!strategy && options.plugins.length === 0) {
    throw InputError.at(`--strategy ${options.strategy}: unknown; built in: ${Object.keys(BUILT_IN_STRATEGIES).join(', ')} (or load one with --plugin)`);
  }
  await container.load(kubernetesBackend(options), ...(strategy ? [strategy] : []));
  for (const plugin of options.plugins) {
    const module = await loadPlugin(plugin, options.cwd);
    if (container.isBound(TOKENS.StepStrategy)) await container.unbind(TOKENS.StepStrategy);
    await container.load(module);
  }
  return {
    backend: container.get<JobBackend>(TOKENS.JobBackend),
    strategy: container.get<StepStrategy>(TOKENS.StepStrategy),
    connection: container.get<KubeConnection>(KUBE_TOKENS.Connection),
  };
}
