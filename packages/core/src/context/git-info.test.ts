import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitInfo, repositoryFromRemote } from './git-info.js';
import { githubContext } from './github-context.js';

describe('repositoryFromRemote', () => {
  it.each([
    ['https://github.com/nektos/act.git', 'nektos/act'],
    ['git@github.com:owner/repo.git', 'owner/repo'],
    ['ssh://git@example.com/owner/repo', 'owner/repo'],
  ])('%s → %s', (url, repo) => expect(repositoryFromRemote(url)).toBe(repo));
});

describe('readGitInfo', () => {
  it('reads sha, branch ref and repository from a real repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kact-git-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'feature');
    writeFileSync(join(dir, 'f'), 'x');
    git('add', 'f');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c');
    git('remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
    const info = await readGitInfo(dir);
    expect(info).toEqual({ sha: git('rev-parse', 'HEAD'), ref: 'refs/heads/feature', repository: 'acme/widgets' });
  });

  it('falls back outside a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kact-nogit-'));
    const info = await readGitInfo(dir);
    expect(info.sha).toBe('0'.repeat(40));
    expect(info.repository).toMatch(/^local\/kact-nogit-/);
  });
});

describe('githubContext', () => {
  const git = { sha: 'a'.repeat(40), ref: 'refs/heads/main', repository: 'acme/widgets' };
  it('uses the local branch for push', () => {
    const ctx = githubContext({ git, eventName: 'push', event: {} });
    expect([ctx.ref, ctx.ref_name, ctx.repository_owner, ctx.event_name]).toEqual(['refs/heads/main', 'main', 'acme', 'push']);
  });
  it('takes refs from a pull_request payload', () => {
    const ctx = githubContext({ git, eventName: 'pull_request', event: { pull_request: { number: 7, head: { ref: 'topic' }, base: { ref: 'main' } } } });
    expect([ctx.ref, ctx.head_ref, ctx.base_ref]).toEqual(['refs/pull/7/merge', 'topic', 'main']);
  });
  it('takes a tag ref from a push payload', () => {
    const ctx = githubContext({ git, eventName: 'push', event: { ref: 'refs/tags/v1' } });
    expect([ctx.ref, ctx.ref_name, ctx.ref_type]).toEqual(['refs/tags/v1', 'v1', 'tag']);
  });
});
