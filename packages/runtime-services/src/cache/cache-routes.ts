import type { Route, RunCredentials } from '../http-kit.js';
import { blobEndpoint } from '../blob-endpoint.js';
import { blobDownloadOf, blobUploadOf, type CacheServiceContext } from './cache-service-context.js';
import type { CacheStore } from './cache-store.js';
import type { CacheJobRegistry } from './job-scopes.js';
import { legacyCacheApi } from './legacy-rest-api.js';
import { twirpCacheApi } from './twirp-cache-api.js';

export const defaultCachePathPrefix = '/kact/cache/';

export interface CacheRoutesOptions {
  /** Where the v1 API (`<prefix>_apis/artifactcache/…`) and the archive URLs (`<prefix>blobs/…`) live. Default `/kact/cache/`. */
  pathPrefix?: string;
}

/**
 * The cache service's requests on the run's RuntimeServer: Twirp v2 under
 * `/twirp/github.actions.results.api.v1.CacheService/` (the client ignores any path of
 * ACTIONS_RESULTS_URL), the v1 REST API and the archive uploads/downloads under `pathPrefix`.
 * Requests of other services (artifacts' Twirp methods, …) are left to the next route.
 */
export function cacheRoutes(store: CacheStore, credentials: RunCredentials, jobs: CacheJobRegistry, options: CacheRoutesOptions = {}): Route {
  const pathPrefix = normalizePrefix(options.pathPrefix ?? defaultCachePathPrefix);
  const context: CacheServiceContext = { store, credentials, jobs, blobPrefix: `${pathPrefix}blobs/` };
  const routes = [
    twirpCacheApi(context),
    legacyCacheApi(context, pathPrefix),
    blobEndpoint({
      credentials,
      pathPrefix: context.blobPrefix,
      upload: (id) => blobUploadOf(context, id),
      download: (id) => blobDownloadOf(context, id),
    }),
  ];
  return async (request) => {
    for (const route of routes) if (await route(request)) return true;
    return false;
  };
}

export interface CacheJobEnvironmentOptions {
  /**
   * `v2` (default): the Twirp service as on github.com, with ACTIONS_CACHE_URL set as well so
   * actions/cache@v3 and older toolkit versions in the same job find the v1 API.
   * `v1`: only the legacy API, as on GHES.
   */
  protocol?: 'v1' | 'v2';
  pathPrefix?: string;
}

/**
 * The variables a job's steps need for `@actions/cache` to reach this service. `serverUrl` is
 * what the job pod reaches the RuntimeServer at; the token is the job's `RunCredentials.tokenFor`.
 * Note the client picks v1 regardless when GITHUB_SERVER_URL is not github.com, *.ghe.com or *.localhost.
 */
export function cacheJobEnvironment(serverUrl: URL, runtimeToken: string, options: CacheJobEnvironmentOptions = {}): Record<string, string> {
  const env: Record<string, string> = {
    ACTIONS_RUNTIME_TOKEN: runtimeToken,
    // The client appends `_apis/artifactcache/…` to it verbatim, so it has to end with a slash.
    ACTIONS_CACHE_URL: new URL(normalizePrefix(options.pathPrefix ?? defaultCachePathPrefix), serverUrl).href,
  };
  if ((options.protocol ?? 'v2') === 'v2') {
    env['ACTIONS_CACHE_SERVICE_V2'] = 'True';
    env['ACTIONS_RESULTS_URL'] = new URL('/', serverUrl).href;
  }
  return env;
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (!trimmed) throw new Error('the cache path prefix needs at least one segment (blob clients read a container name from it)');
  return `/${trimmed}/`;
}
