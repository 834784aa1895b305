import type { Annotation } from '../run/results.js';
import type { Masker } from './secret-masker.js';

/**
 * Builds the annotation of an `::error`/`::warning`/`::notice` command from its properties,
 * fixing positions as the runner's ValidateLinesAndColumns does: `endLine` alone becomes `line`,
 * `endColumn` alone becomes `col`, columns need a line and a single-line range, and reversed
 * ranges are dropped. A `file` under `workspace` becomes relative to it.
 */
export function annotationFromCommand(
  level: Annotation['level'],
  properties: Record<string, string>,
  message: string,
  workspace?: string,
): Annotation {
  let line = toNumber(properties.line);
  let endLine = toNumber(properties.endline);
  let col = toNumber(properties.col);
  let endColumn = toNumber(properties.endcolumn);
  if (endLine !== undefined && line === undefined) line = endLine;
  if (endColumn !== undefined && col === undefined) col = endColumn;
  if (line === undefined || (endLine !== undefined && endLine !== line)) col = endColumn = undefined;
  if (line !== undefined && endLine !== undefined && endLine < line) line = endLine = undefined;
  if (col !== undefined && endColumn !== undefined && endColumn < col) col = endColumn = undefined;

  const annotation: Annotation = { level, message };
  if (properties.title) annotation.title = properties.title;
  if (properties.file) annotation.file = relativeTo(properties.file, workspace);
  if (line !== undefined) annotation.line = line;
  if (endLine !== undefined) annotation.endLine = endLine;
  if (col !== undefined) annotation.col = col;
  if (endColumn !== undefined) annotation.endColumn = endColumn;
  return annotation;
}

/** The annotation as a `::error file=…,line=…::message` line for people to read (not re-parseable when it holds newlines). */
export function formatAnnotation(annotation: Annotation): string {
  const props: string[] = [];
  if (annotation.title !== undefined) props.push(`title=${annotation.title}`);
  if (annotation.file !== undefined) props.push(`file=${annotation.file}`);
  if (annotation.line !== undefined) props.push(`line=${annotation.line}`);
  if (annotation.endLine !== undefined) props.push(`endLine=${annotation.endLine}`);
  if (annotation.col !== undefined) props.push(`col=${annotation.col}`);
  if (annotation.endColumn !== undefined) props.push(`endColumn=${annotation.endColumn}`);
  return `::${annotation.level}${props.length ? ' ' + props.join(',') : ''}::${annotation.message}`;
}

/** The annotation with every text field masked. */
export function maskAnnotation(annotation: Annotation, masker: Masker): Annotation {
  const masked: Annotation = { ...annotation, message: masker.mask(annotation.message) };
  if (annotation.title !== undefined) masked.title = masker.mask(annotation.title);
  if (annotation.file !== undefined) masked.file = masker.mask(annotation.file);
  return masked;
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function relativeTo(file: string, workspace: string | undefined): string {
  if (!workspace) return file;
  const base = workspace.endsWith('/') ? workspace : workspace + '/';
  return file.startsWith(base) ? file.slice(base.length) : file;
}
