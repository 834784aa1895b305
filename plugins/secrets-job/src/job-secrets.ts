import type { SecretProvider } from '@kact/core';

/** The values given with `-s` and `--secret-file`, stored in each job's own Secret (deleted with the pod). */
export class JobSecrets implements SecretProvider {
  readonly name = 'job';

  async load(given: Record<string, string>): Promise<Record<string, string>> {
    return given;
  }

  jobSecret(values: Record<string, string>): Record<string, string> {
    return values;
  }
}
