/**
 * Steps of a job or of a composite action, read from the decoded YAML (see yaml-source.ts).
 * Shape errors are GitHub's parser's to report; here we only add checks it does not make.
 */
import { isMap, type Node } from 'yaml';

import { parseActionReference } from './action-reference.js';
import { isInputError, type Diagnostic } from './errors.js';
import type { Step } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** `shell:` on composite actions' run steps is required by GitHub's action schema, which reports it. */
export function readSteps(src: YamlSource, node: Node | null, diagnostics: Diagnostic[]): Step[] {
  const steps: Step[] = [];
  src.items(node).forEach((item, index) => {
    if (!isMap(item)) return; // a null or scalar step: the parser already said so
    const step = readStep(src, item, index, diagnostics);
    if (step) steps.push(step);
  });
  return steps;
}

function readStep(src: YamlSource, node: Node, index: number, diagnostics: Diagnostic[]): Step | undefined {
  const location = src.location(node);
  const field = (key: string) => src.get(node, key);
  const base = compact({
    index,
    id: src.string(field('id')),
    name: src.string(field('name')),
    if: src.string(field('if')),
    env: src.record(field('env')),
    continueOnError: optionalRaw(src, node, 'continue-on-error'),
    timeoutMinutes: optionalRaw(src, node, 'timeout-minutes'),
    location,
  });

  if (src.has(node, 'uses')) {
    const uses = src.string(field('uses')) ?? '';
    try {
      parseActionReference(uses, src.location(field('uses'), location));
    } catch (err) {
      if (!isInputError(err)) throw err;
      diagnostics.push(...err.diagnostics);
    }
    return { ...base, kind: 'uses', uses, with: src.record(field('with')) };
  }
  if (src.has(node, 'run')) {
    const shell = src.string(field('shell'));
    return compact({
      ...base,
      kind: 'run' as const,
      run: src.string(field('run')) ?? '',
      shell,
      workingDirectory: src.string(field('working-directory')),
    });
  }
  return undefined; // neither run nor uses: reported by GitHub's parser
}

/** A raw value only when the key is present, so absent and `null` stay distinguishable. */
export function optionalRaw(src: YamlSource, node: Node | null, key: string) {
  return src.has(node, key) ? src.raw(src.get(node, key)) : undefined;
}

/** Drops keys whose value is undefined, so models compare and print cleanly. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
