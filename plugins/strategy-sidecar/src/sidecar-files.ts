import { randomBytes } from 'node:crypto';
import { InfrastructureError, POD_PATHS, type JobPod, type StepStrategy } from '@kact/core';
import { COLLECT_FILES_SCRIPT, parseFileRecords, POD_BUSYBOX, PREPARE_FILES_SCRIPT, type FileCommandFiles } from '@kact/kubernetes';

/**
 * File-command files of docker steps without `pods/exec`: a process of the strategy's own (a
 * step slot, or a helper container) creates them before the step, another prints them into its
 * log after.
 */
export function sidecarFileCommands(strategy: Pick<StepStrategy, 'runProcess'>): FileCommandFiles {
  const run = async (pod: JobPod, argv: string[]): Promise<string> => {
    let text = '';
    const result = await strategy.runProcess(
      pod,
      { container: pod.mainContainer, command: argv, env: {}, workingDirectory: POD_PATHS.runtime, fileCommands: {} },
      (chunk) => (text += chunk),
      new AbortController().signal,
    );
    if (result.exitCode !== 0) throw new InfrastructureError(`file commands in ${pod.name}: ${text.trim() || `exit code ${result.exitCode}`}`);
    return text;
  };
  return {
    async prepare(pod, paths) {
      await run(pod, [POD_BUSYBOX, 'sh', '-c', PREPARE_FILES_SCRIPT, 'kact-files', ...paths]);
    },
    async collect(pod, paths) {
      const marker = `kact-${randomBytes(12).toString('hex')}`;
      const files = parseFileRecords(await run(pod, [POD_BUSYBOX, 'sh', '-c', COLLECT_FILES_SCRIPT, 'kact-files', marker, ...paths]), marker);
      if (!files) throw new InfrastructureError(`file commands in ${pod.name}: the files could not be read back`);
      return files;
    },
  };
}
