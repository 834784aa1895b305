import { InfrastructureError, POD_PATHS, type StepStrategy } from '@kact/core';
import { fileCommandsVia, type FileCommandFiles } from '@kact/kubernetes';

/**
 * File-command files of docker steps without `pods/exec`: made and read back by processes of
 * the strategy's own (a step slot, or a container of their own).
 */
export function sidecarFileCommands(strategy: Pick<StepStrategy, 'runProcess'>): FileCommandFiles {
  return fileCommandsVia(async (pod, argv) => {
    let text = '';
    const result = await strategy.runProcess(
      pod,
      { container: pod.mainContainer, command: argv, env: {}, workingDirectory: POD_PATHS.runtime, fileCommands: {} },
      (chunk) => (text += chunk),
      new AbortController().signal,
    );
    if (result.exitCode !== 0) throw new InfrastructureError(`file commands in ${pod.name}: ${text.trim() || `exit code ${result.exitCode}`}`);
    return text;
  });
}
