export { SecretMasker, MASK, MIN_ENCODED_LENGTH, encodings, type Masker } from './secret-masker.js';
export { LineSplitter, MAX_LINE_PIECE, type LineSplitterOptions } from './line-splitter.js';
export { parseWorkflowCommand, escapeData, escapeProperty, unescapeData, unescapeProperty, type WorkflowCommand } from './command-syntax.js';
export { annotationFromCommand, formatAnnotation, maskAnnotation } from './annotations.js';
export { WorkflowCommandProcessor, type LineResult, type StepCommandOptions, type WorkflowCommandOptions } from './workflow-commands.js';
export { FileCommandError, parseEnvFile, readEnvFile, parsePathFile, prependPaths, buildPath, type EnvFileContent } from './file-commands.js';
export * from './reporters/index.js';
