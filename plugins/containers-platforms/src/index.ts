import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { parsePlatforms, PlatformContainers } from './platform-map.js';

/** The default ContainerSelection: act's platform map, defaults plus `-P label=image` flags. */
export function platformContainers(flags: string[] = []): ContainerModule {
  const selection = new PlatformContainers(parsePlatforms(flags));
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ContainerSelection).toConstantValue(selection);
  });
}

export default platformContainers();
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { DEFAULT_RUNNER_IMAGE, defaultPlatforms, parsePlatforms, PlatformContainers, type PlatformMap } from './platform-map.js';
