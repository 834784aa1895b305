/** Turns GitHub parser errors into kact diagnostics (file:line:col, message without the prefix). */
import type { Diagnostic } from './errors.js';
import type { TemplateValidationError } from './github-parser.js';

export function fromGitHubErrors(file: string, errors: TemplateValidationError[]): Diagnostic[] {
  return errors.map((err) => {
    const start = err.range?.start ?? positionFromPrefix(err.prefix);
    return { message: err.rawMessage, location: { file, line: start?.line ?? 1, column: start?.column ?? 1 } };
  });
}

/** Errors without a range still carry `(Line: n, Col: m)` in their prefix. */
function positionFromPrefix(prefix: string | undefined): { line: number; column: number } | undefined {
  const m = prefix?.match(/\(Line: (\d+), Col: (\d+)\)/);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** Stable order for users: by line, then column; exact duplicates dropped. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.location?.file}:${d.location?.line}:${d.location?.column}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
        (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
        (a.location?.column ?? 0) - (b.location?.column ?? 0),
    );
}
