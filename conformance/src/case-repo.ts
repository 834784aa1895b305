import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
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

/**
 * For cases about what lies outside a repository: a case's `outside/` folder is copied beside the
 * repository (`<root>/outside`), not into it, and each line `path -> target` of its `links` file
 * becomes a symbolic link in the repository before the commit, `{outside}` in a target standing
 * for that folder's absolute path. A link to the temp folder can only be made once it exists.
 */
export const OUTSIDE_DIR = 'outside';
export const LINKS_FILE = 'links';

async function makeLinks(caseDir: string, root: string, repo: string): Promise<void> {
  if (existsSync(join(caseDir, OUTSIDE_DIR))) await cp(join(caseDir, OUTSIDE_DIR), join(root, OUTSIDE_DIR), { recursive: true });
  if (!existsSync(join(caseDir, LINKS_FILE))) return;
  for (const line of (await readFile(join(caseDir, LINKS_FILE), 'utf8')).split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [path, target] = line.split(' -> ').map((part) => part.trim());
    if (!path || !target) throw new Error(`${join(caseDir, LINKS_FILE)}: expected 'path -> target', got ${JSON.stringify(line)}`);
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await symlink(target.replaceAll('{outside}', join(root, OUTSIDE_DIR)), join(repo, path));
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
 * user's clone; a case stores its `.gitignore` as `gitignore`, see STORED_NAMES), makes its
 * links (see OUTSIDE_DIR), writes its extra files, and publishes its remote actions.
 */
export async function prepareCaseRepo(caseDir: string, name: string, files: Record<string, string>, remoteActions: RemoteAction[]): Promise<CaseRepo> {
  const root = await mkdtemp(join(tmpdir(), `kact-conformance-${name}-`));
  const repo = join(root, 'repo');
  const actions = join(root, 'actions');
  const actionCache = join(root, 'action-cache');
  const besideRepo = new Set([LINKS_FILE, OUTSIDE_DIR].map((name) => join(caseDir, name)));
  await cp(caseDir, repo, { recursive: true, filter: (src) => !src.endsWith('/expect.yaml') && !besideRepo.has(src) });
  await restoreStoredNames(repo);
  await makeLinks(caseDir, root, repo);
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
