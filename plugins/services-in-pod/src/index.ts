import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { InPodServices } from './in-pod-services.js';

/** The default ServiceNetworking: services as containers of the job pod. */
export const servicesInPod = new ContainerModule(({ bind }) => {
  bind(TOKENS.ServiceNetworking).toConstantValue(new InPodServices());
});

export default servicesInPod;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { InPodServices } from './in-pod-services.js';
