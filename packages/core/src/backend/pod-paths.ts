/**
 * Where things live inside every container of a job pod. Each is a named volume shared by all
 * containers of the pod, so run steps, docker actions and services see the same files.
 */
export const POD_PATHS = {
  /** GITHUB_WORKSPACE: the checked-out repository, persistent for the job. */
  workspace: '/github/workspace',
  /** RUNNER_TEMP: shared between steps; file-command files live under it. */
  temp: '/runner/temp',
  /** RUNNER_TOOL_CACHE. */
  toolCache: '/runner/tool-cache',
  /** HOME. */
  home: '/home/runner',
  /** kact's own files: step scripts, resolved actions, a static busybox for images without a shell. */
  runtime: '/__kact',
  /** Actions resolved before the job starts, one folder each (`<owner>/<repo>@<ref>` or `local/<hash>`). */
  actions: '/__kact/actions',
} as const;

/** The pod's well-known paths, by name. */
export type PodPaths = typeof POD_PATHS;
