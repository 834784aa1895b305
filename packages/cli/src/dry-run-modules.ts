import { ContainerModule } from 'inversify';
import { TOKENS, type StepStrategy } from '@kact/core';
// The tokens alone: the package's index would load the Kubernetes client, which a dry run goes without.
import { KUBE_TOKENS } from '@kact/kubernetes/tokens';

function notInDryRun(what: string): Error {
  return new Error(`${what}: kact run --dry-run loads no kubeconfig and talks to no cluster; use it when a job runs, not when the module is composed`);
}

/** Throws on reading any property: what a dry run binds where a run binds something of the cluster. */
function unavailable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_, property) {
      // Symbols (inspection) and `then` (a thenable check) are asked of any value, and mean no use.
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw notInDryRun(`${what}.${property}`);
    },
  });
}

/**
 * What `kact run --dry-run` loads in place of @kact/kubernetes' backend module: the same tokens,
 * bound to stand-ins. As in a run, resolving the JobBackend resolves what it builds pods with, so
 * a plugin's EnvProvider, FileSharing or ServiceNetworking that cannot be created fails a dry run
 * as it would fail the run.
 */
export const dryRunBackend = new ContainerModule(({ bind }) => {
  bind(KUBE_TOKENS.Connection).toConstantValue(unavailable('KUBE_TOKENS.Connection'));
  bind(KUBE_TOKENS.PodTransport).toConstantValue(unavailable('KUBE_TOKENS.PodTransport'));
  bind(KUBE_TOKENS.StepContainers).toConstantValue(unavailable('KUBE_TOKENS.StepContainers'));
  bind(TOKENS.JobBackend)
    .toDynamicValue((context) => {
      context.get(KUBE_TOKENS.PodFileCopy, { optional: true });
      context.get(TOKENS.EnvProvider, { optional: true });
      context.get(TOKENS.FileSharing, { optional: true });
      context.get(TOKENS.ServiceNetworking, { optional: true });
      return unavailable('kact.JobBackend');
    })
    .inSingletonScope();
});

/** What a dry run loads in place of a built-in step strategy: its name, which decorators wrap. */
export function dryRunStrategy(name: string): ContainerModule {
  const strategy: StepStrategy = {
    name,
    runProcess: () => Promise.reject(notInDryRun(`step strategy ${name}`)),
    runContainer: () => Promise.reject(notInDryRun(`step strategy ${name}`)),
  };
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.StepStrategy).toConstantValue(strategy);
  });
}
