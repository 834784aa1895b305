/** A problem in a GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE file; the message reads `GITHUB_OUTPUT:3: …`. */
export class FileCommandError extends Error {
  override name = 'FileCommandError';
  constructor(
    readonly fileName: string,
    /** 1-based line of the file the problem is at. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${fileName}:${line}: ${reason}`);
  }
}

export interface EnvFileContent {
  /** The pairs read, in file order; a later pair for the same name wins. */
  values: Record<string, string>;
  /**
   * The first problem, when there is one. `values` then holds the pairs before it: the runner
   * applies those too, and it fails the step.
   */
  error?: FileCommandError;
}

/**
 * The pairs of a GITHUB_ENV, GITHUB_OUTPUT or GITHUB_STATE file (see readEnvFile); throws a
 * FileCommandError naming the file and line when the file is malformed.
 */
export function parseEnvFile(content: string, fileName: string): Record<string, string> {
  const { values, error } = readEnvFile(content, fileName);
  if (error) throw error;
  return values;
}

/**
 * Reads a GITHUB_ENV, GITHUB_OUTPUT or GITHUB_STATE file as the runner does (EnvFileKeyValuePairs):
 * `NAME=value` (the value may hold `=`), or `NAME<<DELIMITER`, the value's lines, and a line that
 * is exactly `DELIMITER`. Empty lines are skipped; the first `=` or `<<` decides the form.
 * Lines end at `\n` or `\r\n` (the runner honours CRLF only on Windows; kact does everywhere, so
 * files written by Windows-minded tools work); a heredoc value keeps its inner line endings.
 * `fileName` names the file in error messages (`GITHUB_OUTPUT`).
 */
export function readEnvFile(content: string, fileName: string): EnvFileContent {
  const values: Record<string, string> = {};
  const lines = splitLines(content);
  for (let i = 0; i < lines.length; i++) {
    const { text } = lines[i]!;
    if (text === '') continue;
    const fail = (reason: string): EnvFileContent => ({ values, error: new FileCommandError(fileName, i + 1, reason) });
    const equals = text.indexOf('=');
    const heredoc = text.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = text.slice(0, equals);
      const problem = nameProblem(name);
      // The value is left out of the message: it may be a secret.
      if (problem) return fail(`Invalid format '${name}=…'. ${problem}`);
      setValue(values, name, text.slice(equals + 1));
    } else if (heredoc >= 0) {
      const name = text.slice(0, heredoc);
      const delimiter = text.slice(heredoc + 2);
      const problem = nameProblem(name) ?? (delimiter === '' ? 'The delimiter after << must not be empty.' : undefined);
      if (problem) return fail(`Invalid format '${text}'. ${problem}`);
      let end = i + 1;
      while (end < lines.length && lines[end]!.text !== delimiter) end++;
      if (end === lines.length) {
        return fail(
          `Matching delimiter not found '${delimiter}' for '${text}': the file ends at line ${lines.length}. ` +
            `Write '${delimiter}' on a line of its own after the value.`,
        );
      }
      setValue(values, name, end === i + 1 ? '' : content.slice(lines[i + 1]!.start, lines[end - 1]!.end));
      i = end;
    } else {
      return fail(`Invalid format '${text}'. Expected NAME=value, or NAME<<DELIMITER followed by the value and DELIMITER.`);
    }
  }
  return { values };
}

/** The directories a GITHUB_PATH file adds, in file order: one per line, empty lines skipped, nothing trimmed. */
export function parsePathFile(content: string): string[] {
  return splitLines(content)
    .map((l) => l.text)
    .filter((text) => text !== '');
}

/**
 * The job's list of directories to put before PATH after a step added `added` (in the order it
 * added them), in PATH order: the last one added comes first, and a directory added again moves
 * to the front. The runner keeps this list for the whole job.
 */
export function prependPaths(current: readonly string[], added: readonly string[]): string[] {
  const result = [...current];
  for (const dir of added) {
    const at = result.indexOf(dir);
    if (at >= 0) result.splice(at, 1);
    result.unshift(dir);
  }
  return result;
}

/** PATH with the job's prepended directories (from prependPaths) before `basePath`. */
export function buildPath(prepended: readonly string[], basePath: string, separator = ':'): string {
  return [...prepended, ...(basePath === '' ? [] : [basePath])].join(separator);
}

interface Line {
  text: string;
  /** Offset of the line's first character in the content. */
  start: number;
  /** Offset just past its last character (before the line ending). */
  end: number;
}

function splitLines(content: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < content.length) {
    const nl = content.indexOf('\n', start);
    const stop = nl < 0 ? content.length : nl;
    const end = stop > start && content[stop - 1] === '\r' && nl >= 0 ? stop - 1 : stop;
    lines.push({ text: content.slice(start, end), start, end });
    start = stop + 1;
  }
  return lines;
}

/** An own, ordinary property: `values[name] = v` would lose a step's output named `__proto__`. */
function setValue(values: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(values, name, { value, enumerable: true, writable: true, configurable: true });
}

function nameProblem(name: string): string | undefined {
  if (name === '') return 'The name must not be empty.';
  if (name.includes('\0')) return 'The name must not contain a NUL character.';
  return undefined;
}
