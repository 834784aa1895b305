import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_IMAGE, parsePlatforms, PlatformContainers } from './platform-map.js';

describe('runs-on → image with -P', () => {
  const containers = new PlatformContainers(parsePlatforms(['self-hosted=my/runner:1', 'Ubuntu-22.04=old/image']));

  it('maps ubuntu labels to the local runner image by default', () => {
    expect(containers.select(['ubuntu-latest'])).toEqual({ image: DEFAULT_RUNNER_IMAGE });
  });

  it('lets -P override a label, case-insensitively', () => {
    expect(containers.select(['ubuntu-22.04'])).toEqual({ image: 'old/image' });
  });

  it('takes the first mapped label', () => {
    expect(containers.select(['x64', 'self-hosted'])).toEqual({ image: 'my/runner:1' });
    expect(containers.select(['nope', 'ubuntu-latest'])).toEqual({ image: DEFAULT_RUNNER_IMAGE });
  });

  it('knows nothing of unmapped labels', () => {
    expect(containers.select(['macos-latest'])).toBeUndefined();
  });

  it('rejects malformed -P flags', () => {
    expect(() => parsePlatforms(['ubuntu-latest'])).toThrow(/label=image/);
  });
});
