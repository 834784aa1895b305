/**
 * SecretProvider: where the run's secret values live and what kact must mask. `load` runs once,
 * after plugins are loaded and before any job starts (never in `--dry-run`); kact masks every
 * value it returns in every log, report and annotation, and steps see them only through the
 * `secrets` context (passed to processes as data, never in a pod spec or ConfigMap).
 */
export interface SecretProvider {
  readonly name: string;
  /** The `secrets` context of the run. `given` holds `-s` and `--secret-file` values. */
  load(given: Record<string, string>): Promise<Record<string, string>>;
  /**
   * The values the job's own Secret stores (it is deleted with the pod). A provider whose values
   * stay where they are in the cluster returns `{}`.
   */
  jobSecret(values: Record<string, string>): Record<string, string>;
}
