import { Command, Option, type ErrorOptions, type ParseOptionsResult } from 'commander';
import type { EvalFlags } from './commands/eval.js';
import { loadCommands } from './commands/load.js';

/** `-x`, `--name`, `--name=value`: what a user types as a flag, not as an expression. */
const OPTION_LIKE = /^--?[A-Za-z][\w-]*(=.*)?$/s;

const HELP_FLAGS = new Set(['-h', '--help']);

/**
 * @kact/expressions' parser, which `parseOptions` (synchronous) needs: imported by the parent's
 * preSubcommand hook before `kact eval` parses its arguments, not when kact starts.
 */
let validateExpression: ((text: string) => void) | undefined;

async function loadParser(): Promise<void> {
  validateExpression ??= (await loadCommands.expressions()).validateExpression;
}

function isExpressionText(arg: string): boolean {
  if (!OPTION_LIKE.test(arg)) return true;
  if (!validateExpression) throw new Error("kact eval: the expression parser is not loaded (the command is added with addEvalCommand, whose hook loads it)");
  try {
    validateExpression(arg); // `-Infinity` looks like a flag and is an expression
    return true;
  } catch {
    return false;
  }
}

/**
 * `kact eval`'s parser. Expressions may start with '-' (`-1 < 0`), which commander takes for an
 * unknown option: an argument starting with '-' that is none of eval's options is the text to
 * evaluate, unless it looks like a flag (`--contxt`), which stays an error that says how to pass
 * such text: after `--`, which ends the options as usual.
 */
export class EvalCommand extends Command {
  override parseOptions(args: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(args);
    // commander puts the first unknown argument and everything after it into `unknown`
    const [first, ...rest] = parsed.unknown;
    if (first === undefined || parsed.unknown.some((a) => HELP_FLAGS.has(a)) || !isExpressionText(first)) return parsed;
    const after = this.parseOptions(rest);
    return { operands: [...parsed.operands, first, ...after.operands], unknown: after.unknown };
  }

  override error(message: string, options?: ErrorOptions): never {
    if (options?.code !== 'commander.unknownOption') return super.error(message, options);
    const flag = /unknown option '(.*?)'/s.exec(message)?.[1] ?? '-…';
    return super.error(`${message}\n(text to evaluate that starts with '-' goes after --: kact eval [options] -- '${flag}')`, options);
  }
}

const HELP_AFTER = `
Text with \${{ }} outside the string literals of an expression is a template and
prints the resulting string; anything else is an expression and prints its value
as JSON. --template or --expression decides instead. Infinity, -Infinity and NaN
print as GitHub writes them (quoted inside an array or object: the JSON stays
valid). Text may start with '-'; after --, no argument is read as an option.

Examples:
  kact eval "github.ref == 'refs/heads/main'" --context ctx.json
  kact eval 'node \${{ matrix.node }} on \${{ github.ref }}' --context ctx.json
  kact eval "format('{0}', '\${{ x }}')"        an expression: prints "\${{ x }}"
  kact eval --template "'\${{ github.ref }}'"   a template: the ref in quotes
  kact eval '-1 < 0'                            prints true
  kact eval --status failure -- '-1 < 0'        the same, options before --
`;

/** Defines `kact eval` under `parent`, printing through `print`. */
export function addEvalCommand(parent: Command, print: (text: string) => void): void {
  const command = new EvalCommand('eval')
    .copyInheritedSettings(parent)
    .description('evaluate an expression (prints JSON) or a template containing ${{ }} (prints the string)')
    .argument('<text>', 'the expression or template')
    .option('--context <file>', 'JSON file of contexts, e.g. {"github": {...}, "matrix": {...}}')
    .option('--status <status>', 'job status seen by success()/failure()/cancelled()', 'success')
    .option('--workspace <dir>', 'directory hashFiles() reads', '.')
    .addOption(new Option('--template', 'treat the text as a template (interpolate every ${{ }}), even if it reads as an expression').conflicts('expression'))
    .option('--expression', 'treat the text as one expression, even if it contains ${{ }}')
    .addHelpText('after', HELP_AFTER)
    .action(async (text: string, flags: EvalFlags) => {
      const { evalCommand } = await loadCommands.eval();
      print(await evalCommand(text, flags));
    });
  parent.addCommand(command);
  parent.hook('preSubcommand', async (_parent, subcommand) => {
    if (subcommand === command) await loadParser();
  });
}
