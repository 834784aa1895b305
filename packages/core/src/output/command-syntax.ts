/** A workflow command found in a line of step output. */
export interface WorkflowCommand {
  /** The command name as written (`error`, `Group`); compare it case-insensitively. */
  name: string;
  /** Properties with their keys lower-cased (the runner looks them up case-insensitively). */
  properties: Record<string, string>;
  data: string;
  /** `::name k=v::data`, or the legacy `##[name k=v;k2=v2]data`. */
  form: 'colons' | 'legacy';
}

const DATA_ESCAPES: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' };
const PROPERTY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, '%3A': ':', '%2C': ',' };
const LEGACY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, '%3B': ';', '%5D': ']' };

/** Decodes a command's data: `%25` `%0D` `%0A` (upper case only, as the runner does). */
export function unescapeData(text: string): string {
  return unescapeWith(text, DATA_ESCAPES);
}

/** Decodes a command property value: the data escapes plus `%3A` (`:`) and `%2C` (`,`). */
export function unescapeProperty(text: string): string {
  return unescapeWith(text, PROPERTY_ESCAPES);
}

/** Encodes text as command data so that it parses back to itself (what @actions/core does). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Encodes text as a command property value so that it parses back to itself. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function unescapeWith(text: string, table: Record<string, string>): string {
  return text.includes('%') ? text.replace(/%(25|0D|0A|3A|2C|3B|5D)/g, (m) => table[m] ?? m) : text;
}

/**
 * Parses `line` as a workflow command whose name `isCommand` accepts (case-insensitive names,
 * as the runner registers them), or returns undefined. `::` commands may be preceded by
 * whitespace; the legacy `##[` form is found anywhere in the line, as the runner does.
 */
export function parseWorkflowCommand(line: string, isCommand: (name: string) => boolean): WorkflowCommand | undefined {
  return parseColons(line, isCommand) ?? parseLegacy(line, isCommand);
}

function parseColons(line: string, isCommand: (name: string) => boolean): WorkflowCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!isCommand(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info.slice(space + 1).trim().split(',')) addProperty(properties, pair, unescapeProperty);
  }
  return { name, properties, data: unescapeData(message.slice(end + 2)), form: 'colons' };
}

function parseLegacy(line: string, isCommand: (name: string) => boolean): WorkflowCommand | undefined {
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const close = line.indexOf(']', prefix);
  if (close < 0) return undefined;
  const info = line.slice(prefix + 3, close);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!isCommand(name)) return undefined;
  const legacy = (text: string): string => unescapeWith(text, LEGACY_ESCAPES);
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info.slice(space + 1).split(';')) addProperty(properties, pair, legacy);
  }
  return { name, properties, data: legacy(line.slice(close + 1)), form: 'legacy' };
}

/** `key=value`; pairs with an empty key or an empty value are ignored, as the runner does. */
function addProperty(into: Record<string, string>, pair: string, unescape: (text: string) => string): void {
  const eq = pair.indexOf('=');
  if (eq <= 0 || eq === pair.length - 1) return;
  into[pair.slice(0, eq).toLowerCase()] = unescape(pair.slice(eq + 1));
}
