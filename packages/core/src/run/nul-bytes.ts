import { InputError, type SourceLocation } from '@kact/model';

/**
 * Refuses a step whose env, inputs or working directory hold a NUL byte (YAML's "\0",
 * `fromJSON('"\u0000"')`, a GITHUB_ENV line): execve ends every string at a NUL, so the process
 * would see a shorter value than the workflow gave, or not start at all. The error points at
 * the step and names the variable, never its value (it may be a secret). The strategies refuse
 * the same at their end, for values kact adds after this check.
 */
export function refuseNulBytes(values: { env?: Record<string, string>; inputs?: Record<string, string>; workingDirectory?: string }, location?: SourceLocation): void {
  const named = (kind: string, map: Record<string, string> | undefined) => Object.entries(map ?? {}).map(([name, value]) => ({ what: `${kind} ${name}`, value, name }));
  const all = [...named('env', values.env), ...named('input', values.inputs), { what: 'working-directory', value: values.workingDirectory ?? '', name: '' }];
  const bad = all.find((v) => v.value.includes('\0') || v.name.includes('\0'));
  if (bad) throw InputError.at(`${JSON.stringify(bad.what).slice(1, -1)} contains a NUL byte (\\0), which no process can receive: kact stops here rather than cut the value short`, location);
}
