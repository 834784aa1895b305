import { createHash } from 'node:crypto';
import type { ActionRuntime, ActionRuntimeEnv, RuntimeJob } from '@kact/core';
import { artifactRoutes, ArtifactStore, cacheJobEnvironment, CacheJobRegistry, cacheRoutes, CacheStore, RunCredentials, RuntimeServer, type ArtifactRecord, type Route } from '@kact/runtime-services';
import type { PodRoute, RouteChoice } from './pod-route.js';

export interface RunRuntimeSettings {
  /** `--artifact-server-path`: the run's artifacts go to `<dir>/<run id>/`. */
  artifactDir: string;
  /** `--cache-server-path`; without it (`--no-cache-server`) jobs get no cache service. */
  cacheDir?: string;
  /** `--cache-max-size`: least recently used entries go past it. */
  cacheMaxBytes?: number;
}

/** What the services need started before a pod can use them. */
interface Serving {
  server: RuntimeServer;
  url: URL;
  cache: { store: CacheStore; jobs: CacheJobRegistry } | undefined;
  route: PodRoute;
}

/**
 * The run's artifact and cache services, served by this kact process for the run's jobs: one
 * HTTP server, one signing key per run (a token of another run, or a pod that only reaches the
 * port, gets nothing), and a route that takes job pods to it (see pod-route.ts). They start
 * beside the run's first pods, not before them: a relay pod starts as slowly as a job pod, and
 * only the steps of JavaScript and Docker actions wait for the services.
 */
export class RunRuntime implements ActionRuntime {
  private readonly credentials = new RunCredentials();
  private readonly artifacts: ArtifactStore;
  /** Settles once the services serve and the route is open; rejects with why they could not. */
  readonly ready: Promise<Serving>;

  private constructor(settings: RunRuntimeSettings, route: RouteChoice | Promise<RouteChoice>, log: (line: string) => void) {
    this.artifacts = new ArtifactStore({ root: settings.artifactDir });
    this.ready = serve(settings, route, this.artifacts, this.credentials, log);
    // Awaited by the steps that need it, by `description` and by close(): none of them may be first.
    this.ready.catch(() => undefined);
  }

  /** Starts opening the stores, the server where `route` says, then the route that takes pods to it. */
  static start(settings: RunRuntimeSettings, route: RouteChoice | Promise<RouteChoice>, log: (line: string) => void): RunRuntime {
    return new RunRuntime(settings, route, log);
  }

  /** How pods reach the services, for the run's output, once they serve. */
  async description(): Promise<string> {
    const { url, route } = await this.ready;
    return `${url.href} (${route.description})`;
  }

  forJob(job: RuntimeJob): ActionRuntimeEnv {
    // Backend ids go into the token's `scp` claim, split on ':': a hash keeps any job key safe there.
    const ids = { runBackendId: job.runId, jobBackendId: createHash('sha256').update(job.key).digest('hex').slice(0, 32) };
    const token = this.credentials.tokenFor(ids.runBackendId, ids.jobBackendId);
    const env = this.ready.then(
      ({ url, cache }) => {
        if (cache) {
          // A repository without a branch checked out (a detached HEAD, no commit yet) saves to the default branch's scope.
          const ref = job.ref.startsWith('refs/') ? job.ref : `refs/heads/${job.defaultBranch}`;
          cache.jobs.register(ids, { ref, defaultBranch: job.defaultBranch, ...(job.baseRef ? { baseRef: job.baseRef } : {}), ...(job.repository ? { repository: job.repository } : {}) });
        }
        return { ACTIONS_RUNTIME_URL: url.href, ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: url.href, ...(cache ? cacheJobEnvironment(url, token) : {}) };
      },
      (error: unknown) => {
        throw new Error(`the artifact and cache services of this run did not start: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return { env, secrets: [token] };
  }

  /**
   * The run's finalized artifacts and where they are on this machine, once the run is over:
   * uploads its jobs left unfinished (a cancelled step) are deleted first.
   */
  async finishRun(runId: string): Promise<Array<ArtifactRecord & { path: string }>> {
    await this.artifacts.discardIncomplete(runId).catch(() => 0);
    const records = await this.artifacts.list(runId).catch(() => []);
    return records.map((record) => ({ ...record, path: this.artifacts.filePath(record) }));
  }

  async close(): Promise<void> {
    const serving = await this.ready.catch(() => undefined);
    if (!serving) return;
    await Promise.allSettled([serving.server.close(), serving.route.close()]);
    await serving.cache?.store.close();
  }
}

async function serve(settings: RunRuntimeSettings, choice: RouteChoice | Promise<RouteChoice>, artifacts: ArtifactStore, credentials: RunCredentials, log: (line: string) => void): Promise<Serving> {
  const route = await choice;
  const cache = settings.cacheDir ? await openCache(settings.cacheDir, settings.cacheMaxBytes, log) : undefined;
  const routes: Route[] = [artifactRoutes(artifacts, credentials)];
  if (cache) routes.push(cacheRoutes(cache.store, credentials, cache.jobs));
  const server = new RuntimeServer(routes, log);
  try {
    await server.listen({ host: route.bindHost });
    const podRoute = await route.open(server.port);
    return { server, url: podRoute.url, cache, route: podRoute };
  } catch (error) {
    await server.close();
    await cache?.store.close();
    throw error;
  }
}

/**
 * The cache, or none when its folder cannot serve this run (another kact holds it: a folder
 * serves one kact at a time): the run goes on, its actions see cache misses, and the user is told.
 */
async function openCache(dir: string, maxBytes: number | undefined, log: (line: string) => void): Promise<{ store: CacheStore; jobs: CacheJobRegistry } | undefined> {
  try {
    return { store: await CacheStore.open(dir, { ...(maxBytes ? { maxBytes } : {}), log }), jobs: new CacheJobRegistry() };
  } catch (error) {
    log(`${error instanceof Error ? error.message : String(error)}: this run serves no cache (actions/cache misses and saves nothing); use another --cache-server-path to have one`);
    return undefined;
  }
}
