import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import { TOKENS, type StepStrategyDecorator } from '@kact/core';

/**
 * The StepStrategyDecorators a plugin's ContainerModule binds, in bind order: what kact stacks
 * around the chosen strategy when it loads the plugin. Pass them to `runWorkflowLocally`'s
 * `decorate` to test the module itself, as kact would load it, rather than the bare function.
 */
export async function decoratorsOf(module: ContainerModule): Promise<StepStrategyDecorator[]> {
  const container = new Container();
  await container.load(module);
  if (!container.isBound(TOKENS.StepStrategyDecorator)) return [];
  return container.getAll<StepStrategyDecorator>(TOKENS.StepStrategyDecorator);
}
