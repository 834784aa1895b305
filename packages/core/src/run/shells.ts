import { InputError, type SourceLocation } from '@kact/model';

export interface ShellCommand {
  /** argv with `{0}` where the script path goes. */
  command: string[];
  /** Extension of the script file, as the runner names it. */
  extension: string;
}

// GitHub's runner's templates for the known shell names.
const KNOWN: Record<string, ShellCommand> = {
  bash: { command: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}'], extension: '.sh' },
  sh: { command: ['sh', '-e', '{0}'], extension: '.sh' },
  python: { command: ['python', '{0}'], extension: '.py' },
  pwsh: { command: ['pwsh', '-command', ". '{0}'"], extension: '.ps1' },
  powershell: { command: ['pwsh', '-command', ". '{0}'"], extension: '.ps1' },
};

/**
 * The command for a `run` step. Without a `shell` the runner uses `bash -e {0}` where bash
 * exists and `sh -e {0}` otherwise; a custom shell is a command line containing `{0}`.
 */
export function shellCommand(shell: string | undefined, hasBash: boolean, location?: SourceLocation): ShellCommand {
  if (shell === undefined || shell === '') {
    return hasBash ? { command: ['bash', '-e', '{0}'], extension: '.sh' } : KNOWN.sh!;
  }
  const known = KNOWN[shell];
  if (known) return known;
  const parts = shell.trim().split(/\s+/);
  if (parts.length === 1) {
    throw InputError.at(`unknown shell '${shell}': use bash, sh, python, pwsh or a command line containing {0}`, location);
  }
  if (!parts.some((p) => p.includes('{0}'))) {
    throw InputError.at(`custom shell '${shell}' must contain {0} where the script path goes`, location);
  }
  const extension = parts[0] === 'python' || parts[0] === 'python3' ? '.py' : parts[0] === 'node' ? '.js' : '';
  return { command: parts, extension };
}
