import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionStore } from './action-store.js';
import { cloneRef } from './git-clone.js';

const composite = (says: string) => `name: a\ndescription: a\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo ${says}\n`;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });
}

/** A bare repository `<actions>/<owner>/<repo>` with a tag v1, from files written by `fill`. */
async function publish(actions: string, ownerRepo: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const work = join(actions, '..', `work-${ownerRepo.replace('/', '-')}`);
  await mkdir(work, { recursive: true });
  await fill(work);
  git(work, 'init', '-q');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'v1');
  git(work, 'tag', 'v1');
  await mkdir(join(actions, ownerRepo.split('/')[0]!), { recursive: true });
  git(work, 'clone', '-q', '--bare', work, join(actions, ownerRepo));
}

let root: string;
let repo: string;
let outside: string;
let store: ActionStore;
let actions: string;
let cacheDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kact-action-store-'));
  repo = join(root, 'repo');
  outside = join(root, 'outside');
  actions = join(root, 'actions');
  cacheDir = join(root, 'cache');
  await mkdir(join(outside, 'action'), { recursive: true });
  await writeFile(join(outside, 'action', 'action.yml'), composite('from-the-host'));
  await mkdir(join(repo, 'actions', 'real'), { recursive: true });
  await writeFile(join(repo, 'actions', 'real', 'action.yml'), composite('from-the-repo'));
  await mkdir(actions, { recursive: true });
  store = new ActionStore({ repoRoot: repo, actionsUrl: `file://${actions}`, cacheDir, offline: false });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('local actions', () => {
  it('refuses paths that climb out of the repository', async () => {
    await expect(store.resolve('./../..')).rejects.toThrow('points outside the repository');
    await expect(store.resolve('./actions/../../outside/action')).rejects.toThrow('points outside the repository');
  });

  it('refuses a folder that is a symbolic link to a host folder', async () => {
    await symlink(join(outside, 'action'), join(repo, 'linked'));
    await symlink('../outside/action', join(repo, 'relative-link'));
    await expect(store.resolve('./linked')).rejects.toThrow('linked leads out of the repository through a symbolic link');
    await expect(store.resolve('./relative-link')).rejects.toThrow('relative-link leads out of the repository through a symbolic link');
  });

  it('refuses a path through a linked parent folder', async () => {
    await symlink(outside, join(repo, 'up'));
    await expect(store.resolve('./up/action')).rejects.toThrow('leads out of the repository through a symbolic link');
  });

  it('refuses an action.yml that is a symbolic link to a host file', async () => {
    await mkdir(join(repo, 'actions', 'decoy'));
    await symlink(join(outside, 'action', 'action.yml'), join(repo, 'actions', 'decoy', 'action.yml'));
    await expect(store.resolve('./actions/decoy')).rejects.toThrow('actions/decoy/action.yml leads out of the repository');
  });

  it('follows links that stay inside the repository, and names the folder as written for the pod', async () => {
    await symlink('real', join(repo, 'actions', 'alias'));
    const resolved = await store.resolve('./actions/alias');
    expect(resolved.action.runs).toMatchObject({ using: 'composite', steps: [{ run: 'echo from-the-repo' }] });
    expect(resolved.podDir).toBe('/github/workspace/actions/alias');
  });
});

describe('remote actions and repositories', () => {
  it('refuses a ref that climbs out of the action cache to an existing host folder', async () => {
    // The traversal lands on `outside`, which exists: before the check kact used it as the clone.
    expect(existsSync(join(cacheDir, 'acme', 'x@y/../../../outside'))).toBe(true);
    await expect(store.repository('acme/x', 'y/../../../outside')).rejects.toThrow(`ref "y/../../../outside" contains '..'`);
    await expect(store.resolve('acme/x@y/../../../outside')).rejects.toThrow("contains '..'");
  });

  it('refuses owner, repository and path names that leave their folder', async () => {
    await expect(store.repository('../x', 'v1')).rejects.toThrow('owner ".." is not a name');
    await expect(store.repository('acme/..', 'v1')).rejects.toThrow('repository ".." is not a name');
    await expect(store.repository('acme/x/y', 'v1')).rejects.toThrow('must be owner/name');
    await expect(store.resolve('acme/x/../../outside/action@v1')).rejects.toThrow("must not contain '.' or '..'");
  });

  it('never lets a ref reach git as an option', async () => {
    await publish(actions, 'acme/x', (dir) => writeFile(join(dir, 'action.yml'), composite('remote')));
    const canary = join(root, `pwned-${randomBytes(4).toString('hex')}`);
    await expect(store.repository('acme/x', `--upload-pack=touch ${canary}`)).rejects.toThrow("starts with '-'");
    // And git itself, asked directly, reads it as a refspec.
    await expect(cloneRef(`file://${actions}/acme/x`, `--upload-pack=touch ${canary}`, join(root, 'direct'))).rejects.toThrow();
    expect(existsSync(canary)).toBe(false);
  });

  it('resolves a remote action, and refuses one whose action.yml links to a host file', async () => {
    await publish(actions, 'acme/good', (dir) => writeFile(join(dir, 'action.yml'), composite('remote')));
    await publish(actions, 'acme/evil', (dir) => symlink(join(outside, 'action', 'action.yml'), join(dir, 'action.yml')));
    const good = await store.resolve('acme/good@v1');
    expect(good.action.runs).toMatchObject({ steps: [{ run: 'echo remote' }] });
    expect(good.podDir).toBe('/__kact/actions/acme/good@v1');
    await expect(store.resolve('acme/evil@v1')).rejects.toThrow('action.yml leads out of acme/evil through a symbolic link');
  });
});
