import { spawn } from 'node:child_process';
import type { Metric } from './scenarios.js';
import { round2 } from './statistics.js';
import { SIZES } from './workflows.js';

/**
 * The `cli` scenario: kact's own start, as a person typing a command waits for it. Each command
 * is spawned as `node <kact bin> …` and timed from spawn to exit (process wall time). It needs
 * no cluster: `run --dry-run` composes kact's modules and plugins with stand-ins for the
 * Kubernetes backend and the step strategy, reads no kubeconfig and contacts no API server.
 */
export interface CliCommand {
  metric: Metric;
  /** What node is given: kact's bin and the command, or (the baseline) no kact at all. */
  argv(settings: CliStartSettings): string[];
}

const startMetric = (id: string, label: string, goalMs: number): Metric => ({ id, scenario: 'cli', label, unit: 'ms', better: 'lower', targets: { '*': goalMs } });

/**
 * The commands, with the goals of issue 15 (p50 wall time), after the baseline: node starting
 * and exiting with no kact, which kact's figures include (what is above it is kact's).
 */
export const CLI_COMMANDS: readonly CliCommand[] = [
  { metric: { id: 'cli.node', scenario: 'cli', label: 'node -e 0 (baseline: no kact)', unit: 'ms', better: 'lower' }, argv: () => ['-e', '0'] },
  { metric: startMetric('cli.help', 'kact --help', 150), argv: (s) => [s.kactBin, '--help'] },
  { metric: startMetric('cli.version', 'kact --version', 150), argv: (s) => [s.kactBin, '--version'] },
  { metric: startMetric('cli.list', 'kact list -C <repo>', 300), argv: (s) => [s.kactBin, 'list', '-C', s.repo] },
  { metric: startMetric('cli.dry-run', 'kact run --dry-run -C <repo>', 300), argv: (s) => [s.kactBin, 'run', '--dry-run', '-C', s.repo, ...(s.runArgs ?? [])] },
];

export const CLI_METRICS: readonly Metric[] = CLI_COMMANDS.map((c) => c.metric);

export interface CliStartSettings {
  /** kact's bin script, spawned with this process's node. */
  kactBin: string;
  /** The repository `list` and `run --dry-run` read (kact's examples/hello). */
  repo: string;
  /** More flags for `run --dry-run`: the bench's --kubeconfig, --context, --namespace. */
  runArgs?: string[];
  /** Spawns of each command per repetition (default SIZES.cliSpawns). */
  spawns?: number;
}

/** One spawn of one command. */
export interface CliSample {
  metric: string;
  repetition: number;
  ok: boolean;
  wallMs: number;
  /** Why it did not exit 0: the exit status and its last line on stderr. */
  error?: string;
}

/** Follows a spawned process from spawn to exit, e.g. its memory; `stop()` is called once it has exited. */
export type ProcessWatch<T> = (pid: number) => { stop(): T };

/**
 * Spawns `command args` with stdout discarded; resolves with its wall time (spawn → exit), when
 * it fails why, and what `watch` made of it (when it could be spawned).
 */
export function timeProcess<T = never>(command: string, args: readonly string[], watch?: ProcessWatch<T>): Promise<{ wallMs: number; error?: string; watched?: T }> {
  return new Promise((done) => {
    const started = performance.now();
    let wallMs = 0;
    let stderr = '';
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let watcher = child.pid !== undefined ? watch?.(child.pid) : undefined;
    let watched: { watched: T } | undefined;
    // At 'exit' the pid has just been reaped: no later read may go to a process that took it over.
    const stopWatching = () => {
      if (watcher) watched = { watched: watcher.stop() };
      watcher = undefined;
    };
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.on('exit', () => {
      wallMs = performance.now() - started;
      stopWatching();
    });
    child.on('error', (err) => {
      stopWatching();
      done({ wallMs: performance.now() - started, error: err.message, ...watched });
    });
    child.on('close', (code, signal) => {
      const last = stderr.trim().split('\n').pop() ?? '';
      done(code === 0 ? { wallMs, ...watched } : { wallMs, error: `${signal ? `killed by ${signal}` : `exit ${code}`}${last ? `: ${last}` : ''}`, ...watched });
    });
  });
}

/**
 * One repetition of the `cli` scenario: each command once unmeasured (the files in the page
 * cache and kact's code cache written, as for a person's second command), then `spawns` rounds of every command in turn, so a
 * burst of load on the machine spreads over all of them. Stops between spawns once `cancelled`
 * says so.
 */
export async function measureCliStart(settings: CliStartSettings, repetition: number, cancelled: () => boolean = () => false): Promise<CliSample[]> {
  for (const command of CLI_COMMANDS) {
    if (cancelled()) return [];
    await timeProcess(process.execPath, command.argv(settings));
  }
  const samples: CliSample[] = [];
  for (let round_ = 0; round_ < (settings.spawns ?? SIZES.cliSpawns); round_++) {
    for (const command of CLI_COMMANDS) {
      if (cancelled()) return samples;
      const { wallMs, error } = await timeProcess(process.execPath, command.argv(settings));
      samples.push({ metric: command.metric.id, repetition, ok: error === undefined, wallMs: round2(wallMs), ...(error !== undefined ? { error } : {}) });
    }
  }
  return samples;
}
