import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_IMAGE, parsePlatforms, resolveRunsOn } from './platforms.js';

describe('runs-on → image', () => {
  const platforms = parsePlatforms(['self-hosted=my/runner:1', 'Ubuntu-22.04=old/image']);

  it('maps ubuntu labels to the local runner image by default', () => {
    expect(resolveRunsOn('ubuntu-latest', platforms)).toEqual({ labels: ['ubuntu-latest'], image: DEFAULT_RUNNER_IMAGE });
  });

  it('lets -P override a label, case-insensitively', () => {
    expect(resolveRunsOn('ubuntu-22.04', platforms).image).toBe('old/image');
  });

  it('takes the first mapped label of a list or a group', () => {
    expect(resolveRunsOn(['x64', 'self-hosted'], platforms).image).toBe('my/runner:1');
    expect(resolveRunsOn({ group: 'g', labels: ['nope', 'ubuntu-latest'] }, platforms).image).toBe(DEFAULT_RUNNER_IMAGE);
  });

  it('leaves the image unset for unmapped labels', () => {
    expect(resolveRunsOn('macos-latest', platforms)).toEqual({ labels: ['macos-latest'] });
  });

  it('rejects malformed -P flags', () => {
    expect(() => parsePlatforms(['ubuntu-latest'])).toThrow(/label=image/);
  });
});
