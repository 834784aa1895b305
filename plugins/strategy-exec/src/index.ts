import { ContainerModule } from 'inversify';
import { TOKENS } from '@kact/core';
import { ExecStepStrategy } from './exec-step-strategy.js';

/** The exec step strategy: one exec per process into the job's long-lived container. */
export const execStrategy = new ContainerModule(({ bind }) => {
  bind(TOKENS.StepStrategy).to(ExecStepStrategy).inSingletonScope();
});

export { EXEC_STRATEGY_SETTINGS, ExecStepStrategy, type ExecStrategySettings } from './exec-step-strategy.js';
