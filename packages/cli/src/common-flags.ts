import type { Command } from 'commander';

export const collect = (value: string, previous: string[]) => [...previous, value];

/** Adds act-compatible planning flags to a command. */
export function withCommonFlags(command: Command): Command {
  return command
    .option('-C, --directory <dir>', 'repository root', '.')
    .option('-W, --workflows <path>', 'a workflow file or a folder of them, relative to the repository root', '.github/workflows')
    .option('--event <name>', 'event that triggers the workflows (default: push)')
    .option('-e, --eventpath <file>', 'JSON event payload (github.event)')
    .option('-j, --job <id>', 'only this job and the jobs it needs')
    .option('-s, --secret <KEY[=VALUE]>', 'a secret; KEY alone reads it from the environment (repeatable)', collect, [])
    .option('--secret-file <file>', 'dotenv file of secrets', '.secrets')
    .option('--var <KEY=VALUE>', 'a configuration variable (vars context, repeatable)', collect, [])
    .option('--var-file <file>', 'dotenv file of variables', '.vars')
    .option('--env <KEY=VALUE>', 'an environment variable for every job (repeatable)', collect, [])
    .option('--env-file <file>', 'dotenv file of environment variables', '.env')
    .option('--input <KEY=VALUE>', 'a workflow_dispatch input (repeatable)', collect, [])
    .option('-P, --platform <label=image>', 'map a runs-on label to an image (repeatable)', collect, [])
    .option('--matrix <key:value>', 'run only matrix legs with this value (repeatable)', collect, []);
}
