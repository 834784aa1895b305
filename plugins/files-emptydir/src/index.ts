import { ContainerModule } from 'inversify';
import { PLUGIN_CONTRACT_VERSION, TOKENS } from '@kact/core';
import { EmptyDirFiles } from './empty-dir-files.js';

/** The default FileSharing: emptyDirs, files copied in as a tar. */
export const filesOnEmptyDirs = new ContainerModule(({ bind }) => {
  bind(TOKENS.FileSharing).toConstantValue(new EmptyDirFiles());
});

export default filesOnEmptyDirs;
export const kactContract = PLUGIN_CONTRACT_VERSION;
export { EmptyDirFiles } from './empty-dir-files.js';
