import { randomBytes } from 'node:crypto';
import { InfrastructureError, type JobPod } from '@kact/core';
import { COLLECT_FILES_SCRIPT, parseFileRecords, POD_BUSYBOX, PREPARE_FILES_SCRIPT, type FileCommandFiles, type StepContainers } from '@kact/kubernetes';

/**
 * File-command files of docker steps without `pods/exec`: a helper container (the job's main
 * image, the pod's busybox) creates them before the step, another prints them into its log after.
 */
export function sidecarFileCommands(containers: StepContainers): FileCommandFiles {
  const run = async (pod: JobPod, purpose: string, argv: string[]): Promise<string> => {
    const podSpec = await containers.podSpec(pod);
    const main = podSpec.containers.find((c) => c.name === pod.mainContainer) ?? podSpec.containers[0]!;
    const log: Buffer[] = [];
    const name = `${purpose}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const result = await containers.run(
      pod,
      { name, image: main.image!, command: argv, env: {}, ...(main.securityContext ? { securityContext: main.securityContext } : {}) },
      { onLog: (chunk) => log.push(chunk), signal: new AbortController().signal },
    );
    const text = Buffer.concat(log).toString('utf8');
    if (result.exitCode !== 0) throw new InfrastructureError(`file commands in ${pod.name} (container ${name}): ${text.trim() || `exit code ${result.exitCode}`}`);
    return text;
  };
  return {
    async prepare(pod, paths) {
      await run(pod, 'files', [POD_BUSYBOX, 'sh', '-c', PREPARE_FILES_SCRIPT, 'kact-files', ...paths]);
    },
    async collect(pod, paths) {
      const marker = `kact-${randomBytes(12).toString('hex')}`;
      const files = parseFileRecords(await run(pod, 'collect', [POD_BUSYBOX, 'sh', '-c', COLLECT_FILES_SCRIPT, 'kact-files', marker, ...paths]), marker);
      if (!files) throw new InfrastructureError(`file commands in ${pod.name}: the files could not be read back`);
      return files;
    },
  };
}
