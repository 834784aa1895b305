import { ContainerModule } from 'inversify';
import { TOKENS } from '@kact/core';
import { KUBE_TOKENS } from '@kact/kubernetes';
import { SidecarStepStrategy } from './sidecar-step-strategy.js';

/**
 * The sidecar step strategy: every step in a container of its own (step slots created with the
 * pod, else ephemeral containers), and files copied into pods without `pods/exec` too, so a
 * Role without it is enough.
 */
export const sidecarStrategy = new ContainerModule(({ bind, isBound, unbindSync }) => {
  bind(SidecarStepStrategy).toSelf().inSingletonScope();
  bind(TOKENS.StepStrategy).toService(SidecarStepStrategy);
  if (isBound(KUBE_TOKENS.PodFileCopy)) unbindSync(KUBE_TOKENS.PodFileCopy);
  bind(KUBE_TOKENS.PodFileCopy).toService(SidecarStepStrategy);
});

export { SIDECAR_STRATEGY_SETTINGS, SidecarStepStrategy, type SidecarStrategySettings } from './sidecar-step-strategy.js';
export { MAX_REQUEST_BYTES } from './sidecar-request.js';
