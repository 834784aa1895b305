import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { ConfigMapEnv } from './config-map-env.js';

/** The default EnvProvider: static env in a per-job ConfigMap. */
export const envFromConfigMap = new ContainerModule(({ bind }) => {
  bind(TOKENS.EnvProvider).toConstantValue(new ConfigMapEnv());
});

export default envFromConfigMap;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { ConfigMapEnv } from './config-map-env.js';
