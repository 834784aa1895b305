import type { Route, RunCredentials } from '../http-kit.js';
import type { ArtifactStore } from './artifact-store.js';
import { blobEndpoints } from './blob-endpoints.js';
import { artifactTwirpService, type ArtifactServiceOptions } from './twirp-service.js';

export { ArtifactStore, type ArtifactRecord, type ArtifactStoreOptions, type JobScope } from './artifact-store.js';
export { validateArtifactName } from './artifact-names.js';
export type { ArtifactServiceOptions } from './twirp-service.js';

/**
 * Everything `@actions/artifact` v2+ (upload-artifact@v4, download-artifact@v4) talks to: the
 * Twirp ArtifactService, authorized by the job's runtime token, and the signed blob URLs it
 * hands out. Add it to the run's `RuntimeServer` beside the cache's route.
 */
export function artifactRoutes(store: ArtifactStore, credentials: RunCredentials, options: ArtifactServiceOptions = {}): Route {
  const twirp = artifactTwirpService(store, credentials, options);
  const blobs = blobEndpoints(store, credentials);
  return async (context) => (await twirp(context)) || blobs(context);
}

/**
 * The variables a job's steps need for `@actions/artifact` to reach this service. `serverUrl` is
 * what the job pod reaches the RuntimeServer at (the client keeps only its origin, so the service
 * must be at the root); the token is the job's `RunCredentials.tokenFor`. The client also refuses
 * to run when GITHUB_SERVER_URL is set to anything but github.com, *.ghe.com or *.localhost.
 */
export function artifactJobEnvironment(serverUrl: URL, runtimeToken: string): Record<string, string> {
  return {
    ACTIONS_RUNTIME_TOKEN: runtimeToken,
    ACTIONS_RESULTS_URL: new URL('/', serverUrl).href,
  };
}
