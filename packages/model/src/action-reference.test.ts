import { describe, expect, it } from 'vitest';

import { parseActionReference } from './index.js';

describe('parseActionReference', () => {
  it.each([
    ['./', { kind: 'local', path: './' }],
    ['./actions/hello', { kind: 'local', path: './actions/hello' }],
    ['../shared/action', { kind: 'local', path: '../shared/action' }],
    ['./.github/workflows/build.yml', { kind: 'local', path: './.github/workflows/build.yml' }],
    ['docker://alpine:3.20', { kind: 'docker', image: 'alpine:3.20' }],
    ['docker://ghcr.io/o/img@sha256:abc', { kind: 'docker', image: 'ghcr.io/o/img@sha256:abc' }],
    ['actions/checkout@v4', { kind: 'remote', owner: 'actions', repo: 'checkout', path: '', ref: 'v4' }],
    ['o/r/sub/dir@main', { kind: 'remote', owner: 'o', repo: 'r', path: 'sub/dir', ref: 'main' }],
    ['o/r/.github/workflows/ci.yml@refs/heads/x', { kind: 'remote', owner: 'o', repo: 'r', path: '.github/workflows/ci.yml', ref: 'refs/heads/x' }],
    ['o/r@b136eb8894c5cb1dd5807da824be97ccdf9b5423', { kind: 'remote', owner: 'o', repo: 'r', path: '', ref: 'b136eb8894c5cb1dd5807da824be97ccdf9b5423' }],
  ])('%s', (uses, expected) => {
    expect(parseActionReference(uses)).toEqual(expected);
  });

  it.each(['actions/checkout', 'checkout@v4', '', 'o/r@', '@v1', 'o//x@v1', 'o/r/@v1', 'o/r @v1', 'docker://'])('rejects %j', (uses) => {
    expect(() => parseActionReference(uses)).toThrow(/Expected format \{org\}\/\{repo\}\[\/path\]@ref|needs an image name/);
  });

  it('locates the problem when told where', () => {
    expect(() => parseActionReference('x', { file: 'wf.yml', line: 3, column: 9 })).toThrow("wf.yml:3:9: Expected format {org}/{repo}[/path]@ref. Actual 'x'");
  });
});
