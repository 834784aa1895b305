import type { Value } from '@kact/expressions';
import type { GitInfo } from './git-info.js';

export interface GithubContextOptions {
  git: GitInfo;
  eventName: string;
  /** The `-e` payload, or {}. */
  event: Record<string, Value>;
  actor?: string;
  runId?: string;
  runNumber?: string;
  serverUrl?: string;
}

function object(v: Value | undefined): Record<string, Value> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/**
 * The run-wide part of the github context (job- and step-specific fields such as `job`,
 * `action` and `workspace` are added by the job runner). Refs follow the runner: a
 * pull_request payload gives `refs/pull/<n>/merge` with head/base refs, a push payload's own
 * `ref` wins over the local branch.
 */
export function githubContext(o: GithubContextOptions): Record<string, Value> {
  const serverUrl = o.serverUrl ?? 'https://github.com';
  const pr = object(o.event.pull_request);
  const isPullRequest = o.eventName.startsWith('pull_request') && Object.keys(pr).length > 0;
  const payloadRef = typeof o.event.ref === 'string' ? o.event.ref : undefined;
  const ref = isPullRequest ? `refs/pull/${String(pr.number ?? o.event.number ?? 0)}/merge` : (payloadRef ?? o.git.ref);
  const refName = ref.replace(/^refs\/(heads|tags)\//, '');
  const [owner] = o.git.repository.split('/');
  const actor = o.actor ?? 'kact';
  return {
    event_name: o.eventName,
    event: o.event,
    sha: o.git.sha,
    ref,
    ref_name: refName,
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ref_protected: false,
    head_ref: isPullRequest ? String(object(pr.head).ref ?? '') : '',
    base_ref: isPullRequest ? String(object(pr.base).ref ?? '') : '',
    repository: o.git.repository,
    repository_owner: owner ?? '',
    repositoryUrl: `${serverUrl.replace(/^https?/, 'git')}/${o.git.repository}.git`,
    actor,
    triggering_actor: actor,
    run_id: o.runId ?? '1',
    run_number: o.runNumber ?? '1',
    run_attempt: '1',
    retention_days: '0',
    server_url: serverUrl,
    api_url: serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`,
    graphql_url: serverUrl === 'https://github.com' ? 'https://api.github.com/graphql' : `${serverUrl}/api/graphql`,
    secret_source: 'None',
    token: '',
  };
}
