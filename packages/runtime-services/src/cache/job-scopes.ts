import type { IncomingMessage } from 'node:http';
import { HttpError, type RunCredentials } from '../http-kit.js';

/** What kact knows about a job that decides which cache entries it may see, from the job's GitHub context. */
export interface CacheJobContext {
  /** GITHUB_REF of the job: `refs/heads/feature`, `refs/tags/v1`, `refs/pull/7/merge`. Saves go to this scope. */
  ref: string;
  /** The repository's default branch, `main` or `refs/heads/main`: every job may restore its entries. */
  defaultBranch: string;
  /** GITHUB_BASE_REF of a pull request (`main` or `refs/heads/main`): its entries are restorable too. */
  baseRef?: string;
  /** GITHUB_REPOSITORY: entries of another repository are never visible, as on GitHub. */
  repository?: string;
}

/** The scopes a job's cache requests act in. */
export interface CacheJobScopes {
  repository: string;
  /** Where this job's saves go. */
  saveScope: string;
  /** Where its restores look, in GitHub's order: its own ref, a pull request's base branch, the default branch. */
  restoreScopes: string[];
  /** Who reserved an upload: only that job may upload to and finalize it. */
  job: string;
}

export interface JobIds {
  runBackendId: string;
  jobBackendId: string;
}

/**
 * Which ref each job token caches under. The token proves the run and job ids but not the
 * branch, so whoever starts a job registers it here before its pod runs.
 */
export class CacheJobRegistry {
  private readonly jobs = new Map<string, CacheJobContext>();

  register(ids: JobIds, job: CacheJobContext): void {
    if (!job.ref.startsWith('refs/')) throw new Error(`cache scope needs a full ref (refs/heads/…), got '${job.ref}'`);
    if (!job.defaultBranch) throw new Error('cache scope needs the repository default branch');
    this.jobs.set(jobName(ids), { ...job });
  }

  unregister(ids: JobIds): void {
    this.jobs.delete(jobName(ids));
  }

  scopesOf(ids: JobIds): CacheJobScopes | undefined {
    const job = this.jobs.get(jobName(ids));
    return job && scopesFor(job, jobName(ids));
  }

  /** The scopes of the request's runtime token: 401 for a token kact did not sign, 403 for a job never registered. */
  authorize(req: IncomingMessage, credentials: RunCredentials): CacheJobScopes {
    const ids = credentials.authorize(req);
    const scopes = this.scopesOf(ids);
    if (!scopes) throw new HttpError(403, `no cache scope is registered for job ${jobName(ids)}`);
    return scopes;
  }
}

export function scopesFor(job: CacheJobContext, jobId = ''): CacheJobScopes {
  const restoreScopes = [job.ref];
  if (job.baseRef) restoreScopes.push(branchRef(job.baseRef));
  restoreScopes.push(branchRef(job.defaultBranch));
  return { repository: job.repository ?? '', saveScope: job.ref, restoreScopes: [...new Set(restoreScopes)], job: jobId };
}

function branchRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

function jobName(ids: JobIds): string {
  return `${ids.runBackendId}/${ids.jobBackendId}`;
}
