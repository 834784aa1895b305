import { data, wellKnownFunctions } from '@actions/expressions';
import type { FunctionDefinition, FunctionInfo } from '@actions/expressions/funcs/info';
import { dataToString, fromData, numbersAsStrings, toData } from './coerce.js';
import { ExpressionError } from './errors.js';
import { hashFiles } from './hash-files.js';
import { statusFunctions } from './status.js';
import type { EvaluationOptions, Value } from './types.js';

/** Functions the runner adds to the library's built-ins (the parser must know their arity). */
export const RUNNER_FUNCTIONS: FunctionInfo[] = [
  { name: 'success', minArgs: 0, maxArgs: 0 },
  { name: 'failure', minArgs: 0, maxArgs: 0 },
  { name: 'cancelled', minArgs: 0, maxArgs: 0 },
  { name: 'always', minArgs: 0, maxArgs: 0 },
  { name: 'hashFiles', minArgs: 1, maxArgs: 255 },
];

function builtIn(name: string): FunctionDefinition {
  const f = wellKnownFunctions[name];
  if (!f) throw new Error(`@actions/expressions lacks built-in ${name}`);
  return f;
}

/**
 * A built-in whose string arguments should show numbers as the runner prints them (G15), not
 * as the library's toFixed(15) does.
 */
function withRunnerNumbers(name: string, convert: (args: data.ExpressionData[]) => data.ExpressionData[]): FunctionDefinition {
  const f = builtIn(name);
  return { ...f, call: (...args) => f.call(...convert(args)) };
}

const allArgs = (args: data.ExpressionData[]) => args.map(numbersAsStrings);

const stringFunctions: Record<string, FunctionDefinition> = {
  format: withRunnerNumbers('format', allArgs),
  startswith: withRunnerNumbers('startswith', allArgs),
  endswith: withRunnerNumbers('endswith', allArgs),
  // contains(array, item) compares with loose equality, so numbers stay numbers there
  contains: withRunnerNumbers('contains', (args) => (args[0]?.primitive ? allArgs(args) : args)),
  join: withRunnerNumbers('join', (args) => {
    const [first, ...rest] = allArgs(args);
    if (first?.kind !== data.Kind.Array) return [first!, ...rest];
    return [new data.Array(...(first as data.Array).values().map(numbersAsStrings)), ...rest];
  }),
};

/**
 * fromJSON and toJSON on plain values, so that every key survives (the library builds its
 * dictionaries from, and back into, plain objects, where `__proto__` and `constructor` get lost);
 * messages and output as the library's.
 */
const jsonFunctions: Record<string, FunctionDefinition> = {
  fromjson: {
    ...builtIn('fromjson'),
    call: (...args) => {
      const text = args[0]!.coerceString();
      if (text.trim() === '') throw new Error('empty input');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error('Error parsing JSON when evaluating fromJson', { cause: e });
      }
      return toData(parsed as Value);
    },
  },
  tojson: { ...builtIn('tojson'), call: (...args) => new data.StringData(JSON.stringify(fromData(args[0]!), null, '  ')) },
};

function hashFilesFunction(workspace: string | undefined): FunctionDefinition {
  return {
    name: 'hashFiles',
    minArgs: 1,
    maxArgs: 255,
    call: (...args) => {
      if (workspace === undefined) {
        throw new ExpressionError('hashFiles() is unavailable here: no workspace is set for this evaluation');
      }
      return new data.StringData(hashFiles(workspace, args.map(dataToString)));
    },
  };
}

/** The function map handed to the library's Evaluator (keys lower-case, preferred over built-ins). */
export function runtimeFunctions(options: EvaluationOptions): Map<string, FunctionDefinition> {
  const status = options.status ?? 'success';
  const map = new Map<string, FunctionDefinition>([...Object.entries(stringFunctions), ...Object.entries(jsonFunctions)]);
  for (const [name, make] of Object.entries(statusFunctions)) map.set(name, make(status));
  map.set('hashfiles', hashFilesFunction(options.workspace));
  return map;
}
