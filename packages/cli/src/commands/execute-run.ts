import { resolve } from 'node:path';
import {
  ActionStore,
  Cancellation,
  composeReporters,
  ConsoleReporter,
  defaultActionCacheDir,
  JsonReporter,
  JUnitReporter,
  newRunId,
  runPlan,
  SecretMasker,
  type RunEvents,
  type Plan,
} from '@kact/core';
import { checkReachable } from '@kact/kubernetes';
import type { Backend } from '../composition.js';
import { registerRun } from '../run-registry.js';
import type { RunInputs } from '../run-inputs.js';

export interface ExecuteFlags {
  strategy?: string;
  plugin: string[];
  concurrentJobs: string;
  json?: string;
  junit?: string;
  actionsUrl: string;
  actionOfflineMode: boolean;
  actionCachePath?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  toolCachePvc?: string;
  debug: boolean;
  actCompat?: boolean;
  verbose?: boolean;
}

export interface Terminal {
  write: (text: string) => void;
  tty: boolean;
  color: boolean;
  columns?: number;
}

/** Ctrl-C / SIGTERM: the first cancels (always() and post steps still run), the second forces. */
function onSignals(cancellation: Cancellation, say: (text: string) => void): () => void {
  const handler = () => {
    const stage = cancellation.request();
    say(stage === 'cancelled' ? '\ncancelling: running steps stop, always() and post steps run; press Ctrl-C again to force\n' : '\nforcing: stopping everything and deleting the pods\n');
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** `kact run`: runs the plan's jobs as pods and reports; resolves with the exit code. */
export async function executeRun(inputs: RunInputs, plan: Plan, flags: ExecuteFlags, composed: Backend, terminal: Terminal): Promise<number> {
  const { backend, strategy, connection, containers } = composed;
  const runId = newRunId();
  const forget = registerRun(runId);
  await checkReachable(connection);
  const secrets = await composed.secrets.load(inputs.secrets);
  const contexts = { ...inputs.contexts, secrets: { GITHUB_TOKEN: '', ...secrets } };

  const masker = new SecretMasker();
  for (const value of Object.values(secrets)) masker.add(value);
  const reporters: RunEvents[] = [
    new ConsoleReporter(terminal.write, { color: terminal.color, tty: terminal.tty, verbose: flags.verbose ?? false, masker, ...(terminal.columns ? { columns: terminal.columns } : {}) }),
  ];
  if (flags.json) reporters.push(new JsonReporter(resolve(flags.json), { masker }));
  if (flags.junit) reporters.push(new JUnitReporter(resolve(flags.junit), { masker }));

  const actions = new ActionStore({
    repoRoot: inputs.repoRoot,
    actionsUrl: flags.actionsUrl,
    cacheDir: flags.actionCachePath ? resolve(flags.actionCachePath) : defaultActionCacheDir(),
    offline: flags.actionOfflineMode,
  });
  const concurrentJobs = Number(flags.concurrentJobs);
  const cancellation = new Cancellation();
  const stopListening = onSignals(cancellation, terminal.write);
  try {
    const result = await runPlan(
      plan,
      { backend, strategy, actions, events: composeReporters(...reporters) },
      {
        runId,
        repoRoot: inputs.repoRoot,
        debug: flags.debug || secrets.ACTIONS_STEP_DEBUG === 'true' || (inputs.contexts.vars as Record<string, string>).ACTIONS_STEP_DEBUG === 'true',
        actCompat: flags.actCompat === true,
        contexts,
        secrets,
        jobSecrets: composed.secrets.jobSecret(secrets),
        event: inputs.event,
        concurrentJobs: Number.isInteger(concurrentJobs) && concurrentJobs > 0 ? concurrentJobs : 4,
        containers,
        matrixFilter: inputs.matrixFilter,
      },
      cancellation,
    );
    return result.result === 'success' ? 0 : 1;
  } finally {
    stopListening();
    forget();
  }
}
