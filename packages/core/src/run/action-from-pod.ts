import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_FILE_NAMES, loadAction, type ActionReference, type SourceLocation } from '@kact/model';
import { POD_PATHS } from '../backend/pod-paths.js';
import type { ResolvedAction } from '../actions/action-store.js';
import type { JobEnvironment } from './job-environment.js';

// Fixed text: prints the action file's name, then its content; exit 3 when there is none.
const READ_ACTION = 'cd "$1" 2>/dev/null || exit 3; for f in action.yml action.yaml; do if [ -f "$f" ]; then echo "$f"; cat "$f"; exit 0; fi; done; exit 3';

/**
 * A local action that is not in the working tree but in the job's workspace — a step wrote its
 * action.yml during the job (`uses: ./` after `cp … action.yml`): read from the pod.
 */
export async function localActionFromPod(
  job: JobEnvironment,
  uses: string,
  reference: Extract<ActionReference, { kind: 'local' }>,
  location: SourceLocation,
): Promise<ResolvedAction | undefined> {
  const podDir = `${POD_PATHS.workspace}/${reference.path.replace(/^\.\/?/, '')}`.replace(/\/+$/, '');
  let out = '';
  const result = await job.strategy.runProcess(
    job.state.pod,
    { container: job.state.pod.mainContainer, command: ['sh', '-c', READ_ACTION, 'kact-read', podDir], env: {}, workingDirectory: POD_PATHS.workspace, fileCommands: {} },
    (chunk) => (out += chunk),
    job.cancellation.stepSignal(),
  );
  if (result.exitCode !== 0) return undefined;
  const newline = out.indexOf('\n');
  // The name becomes a path on this machine, and what prints it runs in the pod, where steps are root.
  const name = out.slice(0, newline);
  if (!(ACTION_FILE_NAMES as readonly string[]).includes(name)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'kact-action-'));
  try {
    await writeFile(join(dir, name), out.slice(newline + 1));
    const action = await loadAction(dir, { repoRoot: job.options.repoRoot, usedAt: location });
    return { uses, reference, localDir: dir, podDir, action };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
