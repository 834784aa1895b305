import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { RunnerClassContainers, type RunnerClass } from './runner-classes.js';

/**
 * ContainerSelection by runner class: `containers.runnerClasses` of kact.config.yaml (checked
 * with parseRunnerClasses), with `-P label=image` flags on top. The first of a leg's labels that
 * names a class decides (case-insensitively, in the order written).
 */
export function runnerClasses(classes: Record<string, RunnerClass>, platformFlags: string[] = []): ContainerModule {
  const selection = new RunnerClassContainers(classes, platformFlags);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ContainerSelection).toConstantValue(selection);
  });
}

/**
 * Loaded as a bare `--plugin`, there are no classes to choose from: kact reads them from
 * `containers.runnerClasses` of kact.config.yaml and calls `runnerClasses` itself.
 */
const needsClasses = new ContainerModule(() => {
  throw new Error('@kact/containers-runner-classes needs its classes: describe them under containers.runnerClasses in kact.config.yaml');
});

export default needsClasses;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export {
  applyPlatformFlags,
  formatSettingPath,
  parseRunnerClasses,
  RunnerClassContainers,
  RunnerClassError,
  type RunnerClass,
  type RunnerToleration,
  type SettingPath,
} from './runner-classes.js';
