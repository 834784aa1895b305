import { InputError } from '@kact/model';

/** A flag's value that must be a whole number of at least 1 (`--concurrent-jobs`, `--repeat`, …); else an input error naming the flag. */
export function wholeNumberFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw InputError.at(`${flag} ${value}: must be a whole number of at least 1`);
  return n;
}
