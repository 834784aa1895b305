import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { InputError, loadAction, parseActionReference, type Action, type ActionReference, type SourceLocation } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import { cloneProblem, escapesThroughLink, lexicallyInside } from './action-paths.js';
import { cloneRef } from './git-clone.js';

export interface ActionStoreOptions {
  repoRoot: string;
  /** Base URL remote actions are cloned from (`--actions-url`); `<url>/<owner>/<repo>`. */
  actionsUrl: string;
  /** Where cloned actions are kept (`~/.cache/kact/actions`). */
  cacheDir: string;
  /** `--action-offline-mode`: use cached actions only, never fetch. */
  offline: boolean;
}

/** An action found on this machine, and where its files are in the pod. */
export interface ResolvedAction {
  uses: string;
  reference: Exclude<ActionReference, { kind: 'docker' }>;
  /** The action's folder here. */
  localDir: string;
  /** The action's folder in the job pod. */
  podDir: string;
  /** For remote actions: the clone's root here and in the pod (copied in once per job). */
  checkout?: { localDir: string; podDir: string };
  action: Action;
}

export function defaultActionCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kact', 'actions');
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Finds actions: local ones in the repository (which kact copies into the workspace), remote
 * ones cloned once into the action cache. Errors name the action and where it looked.
 */
export class ActionStore {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly options: ActionStoreOptions) {}

  async resolve(uses: string, location?: SourceLocation): Promise<ResolvedAction> {
    const reference = parseActionReference(uses);
    if (reference.kind === 'docker') throw InputError.at(`${uses} is an image, not an action folder`, location);
    if (reference.kind === 'local') {
      const localDir = resolve(this.options.repoRoot, reference.path);
      if (!lexicallyInside(this.options.repoRoot, localDir)) throw InputError.at(`local action ${uses} points outside the repository`, location);
      await this.refuseLinkOut(uses, this.options.repoRoot, localDir, 'the repository', location);
      const inRepo = relative(this.options.repoRoot, localDir);
      const podDir = inRepo === '' ? POD_PATHS.workspace : `${POD_PATHS.workspace}/${inRepo.split('\\').join('/')}`;
      return { uses, reference, localDir, podDir, action: await this.load(uses, localDir, location) };
    }
    if (reference.path.split('/').some((part) => part === '..' || part === '.')) throw InputError.at(`action ${uses}: the folder in the repository must not contain '.' or '..'`, location);
    const root = await this.checkout(reference, location);
    const key = `${reference.owner}/${reference.repo}@${reference.ref}`;
    const podRoot = `${POD_PATHS.actions}/${key}`;
    const localDir = reference.path ? join(root, reference.path) : root;
    await this.refuseLinkOut(uses, root, localDir, `${reference.owner}/${reference.repo}`, location);
    const podDir = reference.path ? `${podRoot}/${reference.path}` : podRoot;
    return { uses, reference, localDir, podDir, checkout: { localDir: root, podDir: podRoot }, action: await this.load(uses, localDir, location) };
  }

  private async refuseLinkOut(uses: string, root: string, dir: string, rootName: string, location?: SourceLocation): Promise<void> {
    const link = await escapesThroughLink(root, dir);
    if (link !== undefined) throw InputError.at(`action ${uses}: ${relative(root, link) || '.'} leads out of ${rootName} through a symbolic link, which kact does not follow`, location);
  }

  private async load(uses: string, dir: string, location?: SourceLocation): Promise<Action> {
    try {
      return await loadAction(dir, { repoRoot: this.options.repoRoot });
    } catch (err) {
      if (err instanceof InputError && location) {
        throw new InputError(err.diagnostics.map((d) => ({ ...d, message: `${uses}: ${d.message}`, location: d.location ?? location })));
      }
      throw err;
    }
  }

  /**
   * A repository other than the workflow's own (`actions/checkout` with `repository:`), cloned
   * from the same base URL as actions and cached like them; `ref` defaults to the remote's HEAD.
   */
  repository(ownerRepo: string, ref: string, location?: SourceLocation): Promise<string> {
    const [owner, repo, ...rest] = ownerRepo.split('/');
    if (!owner || !repo || rest.length) return Promise.reject(InputError.at(`repository ${JSON.stringify(ownerRepo)} must be owner/name`, location));
    return this.checkout({ owner, repo, ref: ref || 'HEAD' }, location);
  }

  /**
   * The clone of owner/repo@ref in the cache, fetched once even when asked for concurrently.
   * The three parts name a folder here and reach git's command line, so each is checked first.
   */
  private checkout(ref: { owner: string; repo: string; ref: string }, location?: SourceLocation): Promise<string> {
    const problem = cloneProblem(ref);
    if (problem) return Promise.reject(InputError.at(problem, location));
    const key = `${ref.owner}/${ref.repo}@${ref.ref}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(ref, location);
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetch(ref: { owner: string; repo: string; ref: string }, location?: SourceLocation): Promise<string> {
    const dir = join(this.options.cacheDir, ref.owner, `${ref.repo}@${ref.ref}`);
    // checkout() refused every way out; this stays in case a rule there is ever loosened.
    if (!lexicallyInside(this.options.cacheDir, dir)) throw InputError.at(`action ${ref.owner}/${ref.repo}@${ref.ref} would be cached outside ${this.options.cacheDir}`, location);
    if (await exists(dir)) return dir;
    const uses = `${ref.owner}/${ref.repo}@${ref.ref}`;
    if (this.options.offline) {
      throw InputError.at(`action ${uses} is not in the action cache (${dir}) and --action-offline-mode forbids fetching it`, location);
    }
    const url = `${this.options.actionsUrl.replace(/\/+$/, '')}/${ref.owner}/${ref.repo}`;
    try {
      await cloneRef(url, ref.ref, dir);
    } catch (err) {
      throw InputError.at(`action ${uses} could not be fetched from ${url}: ${(err as Error).message}`, location);
    }
    return dir;
  }
}
