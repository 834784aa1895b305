import { Command, CommanderError } from 'commander';
import { evalCommand, type EvalFlags } from './commands/eval.js';
import { graphCommand } from './commands/graph.js';
import { listCommand } from './commands/list.js';
import { runCommand, type RunFlags } from './commands/run.js';
import { withCommonFlags } from './common-flags.js';
import { exitCodeFor, describeError } from './errors.js';
import type { CommonFlags } from './run-inputs.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

function buildProgram(io: Io, printed: (text: string) => void): Command {
  const program = new Command('kact')
    .description('Run GitHub Actions workflows on Kubernetes')
    .option('--verbose', 'show stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  withCommonFlags(program.command('list').description('list the jobs of the workflows')).action(async (flags: CommonFlags) =>
    printed(await listCommand(flags)),
  );
  withCommonFlags(program.command('graph').description('draw the job graph')).action(async (flags: CommonFlags) =>
    printed(await graphCommand(flags)),
  );
  withCommonFlags(program.command('run').description('run the workflows triggered by an event'))
    .option('-n, --dry-run', 'print the plan without running anything', false)
    .action(async (flags: RunFlags) => printed(await runCommand(flags)));
  program
    .command('eval')
    .description('evaluate an expression (prints JSON) or a template containing ${{ }} (prints the string)')
    .argument('<expression>')
    .option('--context <file>', 'JSON file of contexts, e.g. {"github": {...}, "matrix": {...}}')
    .option('--status <status>', 'job status seen by success()/failure()/cancelled()', 'success')
    .option('--workspace <dir>', 'directory hashFiles() reads', '.')
    .action(async (expression: string, flags: EvalFlags) => printed(await evalCommand(expression, flags)));
  return program;
}

/** Runs kact with the given arguments and returns the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io, io.out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const verbose = argv.includes('--verbose');
    io.err(describeError(err, verbose));
    return exitCodeFor(err);
  }
}
