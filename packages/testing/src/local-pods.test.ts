import { describe, expect, it } from 'vitest';
import { LocalPods } from './local-pods.js';

// The interpreter tests trust this double to put pod paths where a pod would have them; a wrong
// translation shows up there as a confusing step failure, so it is pinned down here.
describe('LocalPods path translation', () => {
  const pods = new LocalPods();
  const root = '/tmp/kact-pod-abc';

  it('maps pod paths into the pod folder, wherever they stand in the text', () => {
    expect(pods.translate(root, '/runner/temp/bin')).toBe(`${root}/runner/temp/bin`);
    expect(pods.translate(root, 'cd /github/workspace && ls /__kact/steps')).toBe(`cd ${root}/github/workspace && ls ${root}/__kact/steps`);
  });

  it('leaves a path already inside the pod folder alone', () => {
    const translated = `${root}/runner/temp/bin`;
    expect(pods.translate(root, translated)).toBe(translated);
    expect(pods.translate(root, `${translated}:/runner/tool-cache/bin:/usr/bin`)).toBe(`${translated}:${root}/runner/tool-cache/bin:/usr/bin`);
  });

  it('is the same after translating twice', () => {
    const once = pods.translate(root, 'PATH=/home/runner/.local/bin:/runner/temp/bin');
    expect(pods.translate(root, once)).toBe(once);
  });

  it('leaves other paths alone', () => {
    expect(pods.translate(root, '/usr/local/bin:/opt/runner/tempo')).toBe('/usr/local/bin:/opt/runner/tempo');
  });
});
