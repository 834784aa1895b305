/**
 * Inversify tokens: the only contract between the interpreter and its plugins. `Symbol.for`
 * keeps them equal when a plugin package brings its own copy of @kact/core. Each token but
 * StepStrategyDecorator holds one binding: a module loaded later replaces what an earlier one
 * bound (kact's defaults load first, then `kact.config.yaml`'s choices, then `--plugin`s).
 */
export const TOKENS = {
  /** StepStrategy: where and how a step's process runs in the pod. */
  StepStrategy: Symbol.for('kact.StepStrategy'),
  /**
   * StepStrategyDecorator, any number: `(inner: StepStrategy) => StepStrategy`, applied in load
   * order around the chosen strategy (timing, tracing, retries…).
   */
  StepStrategyDecorator: Symbol.for('kact.StepStrategyDecorator'),
  /** JobBackend: creates and removes job pods. */
  JobBackend: Symbol.for('kact.JobBackend'),
  /** ContainerSelection: image, placement, resources and service account per `runs-on`. */
  ContainerSelection: Symbol.for('kact.ContainerSelection'),
  /** EnvProvider: how static env reaches the job pod's containers. */
  EnvProvider: Symbol.for('kact.EnvProvider'),
  /** SecretProvider: where secret values live and what kact masks. */
  SecretProvider: Symbol.for('kact.SecretProvider'),
  /** FileSharing: the volumes behind workspace, temp, tool cache, home and kact's runtime folder. */
  FileSharing: Symbol.for('kact.FileSharing'),
  /** ServiceNetworking: where `services:` run and how steps reach them. */
  ServiceNetworking: Symbol.for('kact.ServiceNetworking'),
} as const;

/** The tokens that hold a single binding (a later module replaces an earlier one's). */
export const SINGLE_BINDING_TOKENS: readonly symbol[] = [
  TOKENS.StepStrategy,
  TOKENS.JobBackend,
  TOKENS.ContainerSelection,
  TOKENS.EnvProvider,
  TOKENS.SecretProvider,
  TOKENS.FileSharing,
  TOKENS.ServiceNetworking,
];

/**
 * The version of these contracts. A plugin exports the version it was built for as
 * `kactContract`; kact refuses a plugin built for another one. Raised on any incompatible change
 * to a token's interface.
 */
export const PLUGIN_CONTRACT_VERSION = 1;
