import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { list } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveFolder } from './folder-archive.js';

let root: string;
let repo: string;
let secret: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kact-archive-'));
  repo = join(root, 'repo');
  secret = `host-only-${randomBytes(16).toString('hex')}`;
  await mkdir(join(root, 'host', 'dir'), { recursive: true });
  await writeFile(join(root, 'host', 'secret.txt'), secret);
  await writeFile(join(root, 'host', 'dir', 'inner.txt'), secret);
  await mkdir(join(repo, 'src'), { recursive: true });
  await writeFile(join(repo, 'src', 'a.txt'), 'in the repo');
  await symlink(join(root, 'host', 'secret.txt'), join(repo, 'absolute'));
  await symlink('../host/secret.txt', join(repo, 'relative'));
  await symlink(join(root, 'host', 'dir'), join(repo, 'dir-link'));
  await symlink('src/a.txt', join(repo, 'inside'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function entries(file: string): Promise<Record<string, { type: string; linkpath?: string }>> {
  const seen: Record<string, { type: string; linkpath?: string }> = {};
  await list({ file, onReadEntry: (e) => (seen[e.path.replace(/^\.\//, '')] = { type: e.type, ...(e.linkpath ? { linkpath: e.linkpath } : {}) }) });
  return seen;
}

describe('archiveFolder', () => {
  it.each([false, true])('keeps symbolic links as links and never packs what they point to (gzip %s)', async (gzip) => {
    const file = join(root, gzip ? 'out.tgz' : 'out.tar');
    await archiveFolder(repo, file, { gzip });
    const seen = await entries(file);
    expect(seen).toMatchObject({
      absolute: { type: 'SymbolicLink', linkpath: join(root, 'host', 'secret.txt') },
      relative: { type: 'SymbolicLink', linkpath: '../host/secret.txt' },
      'dir-link': { type: 'SymbolicLink', linkpath: join(root, 'host', 'dir') },
      inside: { type: 'SymbolicLink', linkpath: 'src/a.txt' },
      'src/a.txt': { type: 'File' },
    });
    expect(Object.keys(seen).filter((p) => p.startsWith('dir-link/'))).toEqual([]);
    const raw = await readFile(file);
    expect((gzip ? gunzipSync(raw) : raw).includes(secret)).toBe(false);
  });

  it('leaves out what exclude names', async () => {
    const file = join(root, 'out.tar');
    await archiveFolder(repo, file, { exclude: (p) => p === 'absolute' || p.startsWith('src') });
    expect(Object.keys(await entries(file)).sort()).toEqual(['', 'dir-link', 'inside', 'relative']);
  });
});
