import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { InlineEnv } from './inline-env.js';

/** EnvProvider `inline`: static env written into the pod spec, for namespaces that forbid ConfigMaps. */
export const envInline = new ContainerModule(({ bind }) => {
  bind(TOKENS.EnvProvider).toConstantValue(new InlineEnv());
});

export default envInline;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { escapeEnvExpansion, InlineEnv } from './inline-env.js';
