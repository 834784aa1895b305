import type { SourceLocation } from './types.js';

/** One problem with the user's input, located where the user can fix it. */
export interface Diagnostic {
  message: string;
  location?: SourceLocation;
}

export function formatDiagnostic(d: Diagnostic): string {
  if (!d.location) return d.message;
  const { file, line, column } = d.location;
  return `${file}:${line}:${column}: ${d.message}`;
}

/**
 * Bad input: broken YAML, schema errors, unknown needs, bad expressions, missing actions.
 * The CLI prints each diagnostic on its own line and exits 2.
 */
export class InputError extends Error {
  readonly kind = 'input' as const;
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
  }

  static at(message: string, location?: SourceLocation): InputError {
    return new InputError([location ? { message, location } : { message }]);
  }
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof Error && (err as { kind?: unknown }).kind === 'input' && Array.isArray((err as InputError).diagnostics);
}
