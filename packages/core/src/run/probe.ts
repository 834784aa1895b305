import { POD_PATHS } from '../backend/pod-paths.js';
import type { JobEnvironment } from './job-environment.js';

// Fixed text: prints the container's PATH and whether bash is there, for the default shell.
const PROBE = 'printf "%s\\n" "$PATH"; if command -v bash >/dev/null 2>&1; then echo bash; else echo no-bash; fi';

/** Learns the main container's own PATH and whether it has bash (one process at job start). */
export async function probeContainer(job: JobEnvironment): Promise<{ basePath: string; hasBash: boolean }> {
  let out = '';
  const result = await job.strategy.runProcess(
    job.state.pod,
    { container: job.state.pod.mainContainer, command: ['sh', '-c', PROBE], env: {}, workingDirectory: POD_PATHS.workspace, fileCommands: {} },
    (chunk) => (out += chunk),
    job.cancellation.signal,
  );
  const [path, bash] = out.trim().split('\n');
  if (result.exitCode !== 0 || !path) return { basePath: job.state.basePath, hasBash: true };
  return { basePath: path, hasBash: bash === 'bash' };
}
