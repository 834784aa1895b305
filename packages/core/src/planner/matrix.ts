import type { Value } from '@kact/expressions';
import { InputError } from '@kact/model';

/** One combination of matrix values; an empty object for a job without a matrix. */
export type MatrixLeg = Record<string, Value>;

const matrixError = (message: string) => InputError.at(message);

function isObject(v: unknown): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function cartesian(dimensions: [string, Value[]][]): MatrixLeg[] {
  let legs: MatrixLeg[] = [{}];
  for (const [key, values] of dimensions) {
    legs = legs.flatMap((leg) => values.map((value) => ({ ...leg, [key]: value })));
  }
  return legs;
}

function entries(list: Value | undefined, what: string): Record<string, Value>[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw matrixError(`matrix ${what} must be a list of mappings`);
  return list.map((entry) => {
    if (!isObject(entry)) throw matrixError(`matrix ${what} entries must be mappings, got ${JSON.stringify(entry)}`);
    return entry;
  });
}

/**
 * Expands an evaluated `strategy.matrix` with GitHub's rules: the cartesian product of the
 * dimensions, minus every combination an `exclude` entry partially matches, then each
 * `include` entry is merged into every original combination whose original values it does
 * not overwrite (values it added earlier may be overwritten), or becomes a combination of
 * its own when it fits none.
 */
export function expandMatrix(matrix: Value | undefined): MatrixLeg[] {
  if (matrix === undefined || matrix === null) return [{}];
  if (!isObject(matrix)) throw matrixError(`strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}`);

  const dimensions: [string, Value[]][] = [];
  for (const [key, values] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') continue;
    if (!Array.isArray(values)) throw matrixError(`matrix dimension '${key}' must be a list, got ${JSON.stringify(values)}`);
    dimensions.push([key, values]);
  }
  const originalKeys = new Set(dimensions.map(([key]) => key));
  const excludes = entries(matrix.exclude, 'exclude');
  const includes = entries(matrix.include, 'include');

  const base = dimensions.length === 0 || dimensions.some(([, v]) => v.length === 0) ? [] : cartesian(dimensions);
  const kept = base.filter((leg) => !excludes.some((ex) => Object.entries(ex).every(([k, v]) => deepEqual(leg[k], v))));

  const added: MatrixLeg[] = [];
  for (const include of includes) {
    let merged = false;
    for (const leg of kept) {
      const fits = Object.entries(include).every(([k, v]) => !originalKeys.has(k) || deepEqual(leg[k], v));
      if (fits) {
        Object.assign(leg, include);
        merged = true;
      }
    }
    if (!merged) added.push({ ...include });
  }
  const legs = [...kept, ...added];
  if (legs.length === 0) throw matrixError('strategy.matrix produces no combinations (every one is excluded or a dimension is empty)');
  if (legs.length > 256) throw matrixError(`strategy.matrix produces ${legs.length} combinations; GitHub allows at most 256`);
  return legs;
}

/**
 * act's `--matrix key:value` filter: keeps the legs whose value for each named key is one of
 * the given values (compared as strings, since they come from the command line).
 */
export function filterLegs(legs: MatrixLeg[], filter: Record<string, string[]>): MatrixLeg[] {
  const keys = Object.keys(filter);
  if (keys.length === 0) return legs;
  return legs.filter((leg) =>
    keys.every((k) => !(k in leg) || filter[k]!.includes(typeof leg[k] === 'string' ? (leg[k] as string) : JSON.stringify(leg[k]))),
  );
}

/** GitHub's display name of a matrix leg: `name (v1, v2)`, nested values as JSON. */
export function legDisplayName(jobName: string, leg: MatrixLeg): string {
  const values = Object.values(leg).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return values.length === 0 ? jobName : `${jobName} (${values.join(', ')})`;
}
