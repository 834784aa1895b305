import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RemoteAction } from './expectation.js';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=kact conformance', '-c', 'user.email=conformance@kact.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd });
}

/**
 * Files a case keeps under another name because `npm pack` drops (or obeys) the real one: a
 * case's `gitignore` becomes `.gitignore` in the copy that runs. The suite ships as a package,
 * so its cases must survive packing intact.
 */
export const STORED_NAMES: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

/** Renames every stored name under `dir` (at any depth) to the name the case means. */
export async function restoreStoredNames(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const real = STORED_NAMES[entry.name];
    if (!real || !entry.isFile()) continue;
    const folder = entry.parentPath;
    await rename(join(folder, entry.name), join(folder, real));
  }
}

/** A case's repository laid out in a temp folder, with what a run needs beside it. */
export interface CaseRepo {
  /** The temp folder holding everything below. */
  root: string;
  /** The case's files as a committed git repository (.gitignore'd files present but untracked). */
  repo: string;
  /** An empty action cache for this run alone. */
  actionCache: string;
  /** `file://` base URL serving the case's remote actions as bare repositories. */
  actionsUrl: string;
  /** Where kact writes --json. */
  resultFile: string;
  remove(): Promise<void>;
}

/**
 * `from: '@stand-in/<name>'` names one of the suite's stand-ins for GitHub's actions (built from
 * stand-in-actions/ into dist/stand-in-actions/ by the package's build); any other `from` is a
 * folder of the case.
 */
export const STAND_IN_PREFIX = '@stand-in/';

export function actionSource(caseDir: string, from: string): string {
  if (!from.startsWith(STAND_IN_PREFIX)) return join(caseDir, from);
  const dir = fileURLToPath(new URL(`../dist/stand-in-actions/${from.slice(STAND_IN_PREFIX.length)}`, import.meta.url));
  if (!existsSync(join(dir, 'action.yml'))) throw new Error(`remote action from ${from}: no ${dir}/action.yml (build @kact/conformance first: npm run build)`);
  return dir;
}

/** Serves `from` as the bare repository `<actions>/<owner>/<repo>` with `ref` as a branch or tag. */
async function publishAction(actionsDir: string, source: string, action: RemoteAction): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kact-action-src-'));
  try {
    await cp(source, work, { recursive: true });
    await restoreStoredNames(work);
    await git(work, 'init', '-q');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', `${action.repo}@${action.ref}`);
    if (action.ref !== 'main') await git(work, 'tag', action.ref);
    const bare = join(actionsDir, action.repo);
    await mkdir(dirname(bare), { recursive: true });
    await git(work, 'clone', '-q', '--bare', work, bare);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Copies a case folder into a fresh git repository (so sha, ref and .gitignore behave as in a
 * user's clone; a case stores its `.gitignore` as `gitignore`, see STORED_NAMES), writes its
 * extra files, and publishes its remote actions.
 */
export async function prepareCaseRepo(caseDir: string, name: string, files: Record<string, string>, remoteActions: RemoteAction[]): Promise<CaseRepo> {
  const root = await mkdtemp(join(tmpdir(), `kact-conformance-${name}-`));
  const repo = join(root, 'repo');
  const actions = join(root, 'actions');
  const actionCache = join(root, 'action-cache');
  await cp(caseDir, repo, { recursive: true, filter: (src) => !src.endsWith('/expect.yaml') });
  await restoreStoredNames(repo);
  await mkdir(actionCache, { recursive: true });
  await git(repo, 'init', '-q');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '--allow-empty', '-m', `conformance case ${name}`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  for (const action of remoteActions) await publishAction(actions, actionSource(caseDir, action.from), action);
  return {
    root,
    repo,
    actionCache,
    actionsUrl: `file://${actions}`,
    resultFile: join(root, 'result.json'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
