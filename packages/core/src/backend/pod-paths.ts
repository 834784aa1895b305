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

/**
 * kact's externals in job containers, as GitHub's runner mounts its own at `/__e`: a read-only
 * volume a container job's pod gets when it may run JavaScript actions
 * (`JobPodRequest.externals`), holding a node that runs in any image, with or without its own
 * node or libc. Not a shared path: the main container and the strategy's containers only see it.
 */
export const POD_EXTERNALS = {
  /** The volume's mount path. */
  root: '/__e',
  /** The node JavaScript actions (main, pre, post) of a container job run with. */
  node: '/__e/node20/bin/node',
} as const;
