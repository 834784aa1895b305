import type { JobPod } from '../backend/job-backend.js';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { StepStrategy } from '../backend/step-strategy.js';

// Fixed text: prints the container's PATH and whether bash is there, for the default shell.
const PROBE = 'printf "%s\\n" "$PATH"; if command -v bash >/dev/null 2>&1; then echo bash; else echo no-bash; fi';

export interface ContainerShell {
  /** The main container's own PATH, which `add-path` entries go before. */
  basePath: string;
  hasBash: boolean;
}

/** Learns the main container's own PATH and whether it has bash (one process at job start); undefined if it cannot tell. */
export async function probeContainer(strategy: StepStrategy, pod: JobPod, signal: AbortSignal): Promise<ContainerShell | undefined> {
  let out = '';
  const result = await strategy.runProcess(
    pod,
    { container: pod.mainContainer, command: ['sh', '-c', PROBE], env: {}, workingDirectory: POD_PATHS.workspace, fileCommands: {} },
    (chunk) => (out += chunk),
    signal,
  );
  const [path, bash] = out.trim().split('\n');
  if (result.exitCode !== 0 || !path) return undefined;
  return { basePath: path, hasBash: bash === 'bash' };
}
