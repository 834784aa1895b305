import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { JobSecrets } from './job-secrets.js';

/** The default SecretProvider: `-s` / `--secret-file` values in a per-job Secret. */
export const secretsPerJob = new ContainerModule(({ bind }) => {
  bind(TOKENS.SecretProvider).toConstantValue(new JobSecrets());
});

export default secretsPerJob;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { JobSecrets } from './job-secrets.js';
