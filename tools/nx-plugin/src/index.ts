export { strategyGenerator, type StrategyGeneratorSchema } from './generators/strategy/generator.js';
