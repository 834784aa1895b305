import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '@kact/model';

/** The repository's tools folder, from packages/cli/dist. */
const toolsDir = fileURLToPath(new URL('../../../../tools/', import.meta.url));
const setupScript = `${toolsDir}setup`;
const kubeLocal = `${toolsDir}kube-local/bin/kube-local`;

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * `kact cluster up|down|status`: the local cluster (tools/kube-local). `up` runs tools/setup,
 * which installs missing Debian packages and builds the binary and images with caching, then
 * starts the cluster and prints its kubeconfig path.
 */
export async function clusterCommand(action: string): Promise<number> {
  if (!existsSync(setupScript)) throw InputError.at(`kact cluster needs the kact repository's tools/ folder (looked for ${setupScript})`);
  switch (action) {
    case 'up':
      return run('bash', [setupScript, '--up']);
    case 'down':
    case 'status':
      if (!existsSync(kubeLocal)) throw InputError.at(`no local cluster has been built here: run 'kact cluster up' first (looked for ${kubeLocal})`);
      return run(kubeLocal, [action]);
    default:
      throw InputError.at(`kact cluster ${action}: unknown; use up, down or status`);
  }
}
