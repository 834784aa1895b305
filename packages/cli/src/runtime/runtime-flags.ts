import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError, type Job } from '@kact/model';

// `kact run --dry-run` checks these flags too: this module stays free of what serves a run (the
// Kubernetes client, the runtime services), which start-runtime.ts loads.

/** `kact run`'s flags for the run's artifact and cache services (act's names where act has one). */
export interface RuntimeFlags {
  artifactServerPath?: string;
  /** `--no-cache-server` sets it false. */
  cacheServer: boolean;
  cacheServerPath?: string;
  cacheMaxSize: string;
  runtimeRoute: string;
}

/** Where artifacts go by default: data the user keeps, not a cache (XDG_DATA_HOME). */
export function defaultArtifactDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kact', 'artifacts');
}

/** Where the cache lives by default, beside the action cache (XDG_CACHE_HOME). */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kact', 'cache');
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `10G`, `512M`, `1048576`: a size in bytes (powers of 1024, an optional trailing `B`). */
export function parseSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  const bytes = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) throw InputError.at(`${flag} expects a size such as 10G, 512M or 1048576, got '${text}'`);
  return Math.floor(bytes);
}

/** `--runtime-route`: `node` when kact runs on a node of the cluster, `tunnel` through the API server, `auto` picks. */
export const ROUTE_MODES = ['auto', 'node', 'tunnel'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

/** Rejects bad runtime flags before anything runs (also for --dry-run). */
export function checkRuntimeFlags(flags: RuntimeFlags): void {
  if (flags.cacheServer) parseSize(flags.cacheMaxSize, '--cache-max-size');
  if (!ROUTE_MODES.includes(flags.runtimeRoute as RouteMode)) throw InputError.at(`--runtime-route must be one of ${ROUTE_MODES.join(', ')}, got '${flags.runtimeRoute}'`);
}

/**
 * Whether a job of the plan may run an action (JavaScript, Docker or composite: the steps the
 * services are for). A run of `run:` steps only, or of `actions/checkout` (which kact does
 * itself), starts no server and no relay pod. A called workflow counts: its jobs are planned
 * when it runs.
 */
export function planMayUseRuntime(jobs: readonly { job: Job }[]): boolean {
  return jobs.some(({ job }) => job.kind !== 'steps' || job.steps.some((step) => step.kind === 'uses' && !/^actions\/checkout@/.test(step.uses.trim())));
}
