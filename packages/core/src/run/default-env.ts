import type { Value } from '@kact/expressions';
import { POD_PATHS } from '../backend/pod-paths.js';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v));

/**
 * The variables GitHub's runner sets for every step of a job (CI, GITHUB_*, RUNNER_*), from
 * the github and runner contexts. Static for the job, so they travel in the job's ConfigMap.
 */
export function defaultJobEnv(github: Record<string, Value>, jobId: string, options: { actCompat: boolean; debug: boolean }): Record<string, string> {
  const env: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_JOB: jobId,
    GITHUB_REF: str(github.ref),
    GITHUB_REF_NAME: str(github.ref_name),
    GITHUB_REF_TYPE: str(github.ref_type),
    GITHUB_REF_PROTECTED: str(github.ref_protected),
    GITHUB_HEAD_REF: str(github.head_ref),
    GITHUB_BASE_REF: str(github.base_ref),
    GITHUB_SHA: str(github.sha),
    GITHUB_REPOSITORY: str(github.repository),
    GITHUB_REPOSITORY_OWNER: str(github.repository_owner),
    GITHUB_ACTOR: str(github.actor),
    GITHUB_TRIGGERING_ACTOR: str(github.triggering_actor),
    GITHUB_RUN_ID: str(github.run_id),
    GITHUB_RUN_NUMBER: str(github.run_number),
    GITHUB_RUN_ATTEMPT: str(github.run_attempt),
    GITHUB_RETENTION_DAYS: str(github.retention_days),
    GITHUB_EVENT_NAME: str(github.event_name),
    GITHUB_EVENT_PATH: `${POD_PATHS.temp}/_github_workflow/event.json`,
    GITHUB_WORKFLOW: str(github.workflow),
    GITHUB_WORKFLOW_REF: str(github.workflow_ref),
    GITHUB_WORKFLOW_SHA: str(github.sha),
    GITHUB_WORKSPACE: POD_PATHS.workspace,
    GITHUB_SERVER_URL: str(github.server_url),
    GITHUB_API_URL: str(github.api_url),
    GITHUB_GRAPHQL_URL: str(github.graphql_url),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'kact',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: POD_PATHS.temp,
    RUNNER_TOOL_CACHE: POD_PATHS.toolCache,
    RUNNER_WORKSPACE: POD_PATHS.workspace.replace(/\/[^/]+$/, ''),
    HOME: POD_PATHS.home,
  };
  if (options.debug) env.RUNNER_DEBUG = '1';
  if (options.actCompat) env.ACT = 'true';
  return env;
}

/** The runner context for a job. */
export function runnerContext(debug: boolean): Record<string, Value> {
  return {
    os: 'Linux',
    arch: 'X64',
    name: 'kact',
    environment: 'self-hosted',
    temp: POD_PATHS.temp,
    tool_cache: POD_PATHS.toolCache,
    workspace: POD_PATHS.workspace.replace(/\/[^/]+$/, ''),
    debug: debug ? '1' : '',
  };
}
