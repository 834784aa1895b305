import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { ClaimFiles, type ClaimSettings } from './claim-files.js';

/**
 * FileSharing on PersistentVolumeClaims: `files: { toolCache: { claim }, workspace: { claim } }`
 * in kact.config.yaml (`--tool-cache-pvc CLAIM` is `toolCache.claim`). The tool cache is the
 * whole claim, shared by every job and run; each job's workspace is the claim's folder
 * `<runId>/<podName>`, left there after the job for a look (kact never deletes it: prune old
 * run folders yourself). Two different claims: a pod cannot mount one claim twice. The other
 * shared paths stay emptyDirs.
 */
export function filesOnClaims(settings: ClaimSettings): ContainerModule {
  const files = new ClaimFiles(settings);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.FileSharing).toConstantValue(files);
  });
}

/**
 * Loaded as a bare `--plugin`, there are no claims to use: kact reads them from `files:` of
 * kact.config.yaml (or `--tool-cache-pvc`) and calls `filesOnClaims` itself.
 */
const needsClaims = new ContainerModule(() => {
  throw new Error("@kact/files-pvc needs its claims: set files.toolCache.claim and/or files.workspace.claim in kact.config.yaml (or --tool-cache-pvc CLAIM)");
});

export default needsClaims;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { checkClaimName, ClaimFiles, ClaimSettingsError, parseClaimSettings, type ClaimSettings } from './claim-files.js';
