export { HttpError, readBody, readJson, RunCredentials, RuntimeServer, sendJson, sendTwirpError, type Route, type RouteContext } from './http-kit.js';
export { artifactJobEnvironment, artifactRoutes, ArtifactStore, validateArtifactName, type ArtifactRecord, type ArtifactServiceOptions, type ArtifactStoreOptions, type JobScope } from './artifacts/index.js';
export { cacheJobEnvironment, cacheRoutes, defaultCachePathPrefix, type CacheJobEnvironmentOptions, type CacheRoutesOptions } from './cache/cache-routes.js';
export { CacheStore, defaultCacheMaxBytes, type CacheEntry, type CacheStoreOptions } from './cache/cache-store.js';
export { CacheJobRegistry, type CacheJobContext } from './cache/job-scopes.js';
