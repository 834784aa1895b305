/**
 * The `docker run` options a workflow may put in `container.options` / `services.*.options`,
 * translated to what a Kubernetes container can honour. Anything else is reported, not fatal:
 * GitHub workflows often carry Docker-only options (`--health-cmd`, `--network`) that mean
 * nothing in a pod.
 */
export interface ContainerOptions {
  user?: { uid: number; gid?: number };
  workdir?: string;
  env: Record<string, string>;
  /** Kubernetes quantity, e.g. `512Mi`. */
  memory?: string;
  /** Kubernetes quantity, e.g. `1500m`. */
  cpu?: string;
  hostname?: string;
  privileged?: boolean;
  capAdd: string[];
  /** `--health-*`: the container counts as started once the command succeeds (a readiness probe). */
  health?: HealthCheck;
  warnings: string[];
}

/** Docker's health check, in seconds; defaults as Docker's (interval 30 s, timeout 30 s, 3 retries). */
export interface HealthCheck {
  /** Run with `/bin/sh -c`, as Docker runs `--health-cmd`. */
  command: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/** Splits an options string into words the way a POSIX shell would (quotes, backslashes), without expanding anything. */
export function splitOptionWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) current += text[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const HEALTH = new Set(['--health-cmd', '--health-interval', '--health-timeout', '--health-retries', '--health-start-period']);
const WITH_VALUE = new Set(['--user', '-u', '--workdir', '-w', '--env', '-e', '--memory', '-m', '--cpus', '--hostname', '-h', '--cap-add', ...HEALTH]);
/** Docker options that take a value but that kact ignores: consume the value so it is not read as an option. */
const IGNORED_WITH_VALUE = new Set(['--network', '--name', '--entrypoint', '-v', '--volume', '-p', '--publish', '--label', '-l', '--restart', '--shm-size', '--ulimit', '--cap-drop', '--dns', '--add-host', '--mount', '--platform', '--pull', '--tmpfs']);

/** One option as Docker reads it: its flag, its value (`--env A=1`, `--env=A=1`) and the words it took. */
interface OptionEntry {
  flag: string;
  value?: string;
  words: string[];
  /** A flag that takes a value came last, without one. */
  missingValue?: boolean;
}

function optionEntries(words: readonly string[]): OptionEntry[] {
  const entries: OptionEntry[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    let value: string | undefined = eq > 0 ? word.slice(eq + 1) : undefined;
    const start = i;
    if (value === undefined && (WITH_VALUE.has(flag) || IGNORED_WITH_VALUE.has(flag))) {
      value = words[++i];
      if (value === undefined) {
        entries.push({ flag, words: [word], missingValue: true });
        break;
      }
    }
    entries.push({ flag, ...(value !== undefined ? { value } : {}), words: words.slice(start, i + 1) });
  }
  return entries;
}

export function parseContainerOptions(text: string | undefined): ContainerOptions {
  const result: ContainerOptions = { env: {}, capAdd: [], warnings: [] };
  if (!text?.trim()) return result;
  const health: Record<string, string> = {};
  for (const { flag, value, words, missingValue } of optionEntries(splitOptionWords(text))) {
    if (missingValue) {
      result.warnings.push(`option ${flag} needs a value; ignored`);
    } else if (IGNORED_WITH_VALUE.has(flag)) {
      result.warnings.push(`option ${flag} is not supported on Kubernetes; ignored`);
    } else if (WITH_VALUE.has(flag)) {
      if (HEALTH.has(flag)) health[flag] = value!;
      else applyOption(result, flag, value!);
    } else if (flag === '--privileged') {
      result.privileged = value === undefined || value === 'true';
    } else if (flag === '--rm' || flag === '--init' || flag === '-d' || flag === '--detach') {
      // Meaningless for a pod container, and harmless: no warning.
    } else {
      result.warnings.push(`option ${words[0]} is not supported on Kubernetes; ignored`);
    }
  }
  healthCheck(result, health);
  return result;
}

/** The variable a `--health-cmd` that holds a secret is read from (see optionsWithoutSecrets). */
export const HEALTH_CMD_ENV = 'KACT_HEALTH_CMD';

export interface OptionsWithoutSecrets {
  /** The options again, with no word that holds a secret. */
  options: string;
  /** `--env` variables whose values hold a secret: the container must get them from a Secret. */
  env: Record<string, string>;
  /**
   * A `--health-cmd` that holds a secret: the container must get it as HEALTH_CMD_ENV from a
   * Secret, and the options' health command reads it from there.
   */
  healthCommand?: string;
  /** The options dropped because a pod spec field would show their secret (never naming it). */
  warnings: string[];
}

/**
 * `container.options` / `services.<id>.options` without the secrets in them, for a backend that
 * turns options into a pod spec. GitHub's schema keeps the `secrets` context out of `options`,
 * but a variable, input or matrix value there may hold a secret's value. An `--env` value that
 * holds a secret comes out as `env` and a `--health-cmd` as `healthCommand`, for the caller to
 * deliver through a Secret; the rewritten health command runs it from HEALTH_CMD_ENV, through
 * `/bin/sh -c` as Docker runs it. A secret anywhere else (`--hostname`, `--workdir`: values a pod
 * spec holds in plain text) drops its option, with a warning; so does an `--env` overridden by a
 * later one or by `env:` (`isOverridden`), which never reached the container anyway. Undefined
 * when the options hold no secret.
 */
export function optionsWithoutSecrets(text: string | undefined, holdsSecret: (value: string) => boolean, isOverridden: (name: string) => boolean = () => false): OptionsWithoutSecrets | undefined {
  if (!text || !holdsSecret(text)) return undefined;
  const entries = optionEntries(splitOptionWords(text));
  const envName = (entry: OptionEntry) => ((entry.flag === '-e' || entry.flag === '--env') && entry.value && entry.value.indexOf('=') > 0 ? entry.value.slice(0, entry.value.indexOf('=')) : undefined);
  // Docker takes the last of an --env name and of --health-cmd.
  const last = new Map<string, OptionEntry>();
  for (const entry of entries) {
    const name = envName(entry);
    if (name !== undefined) last.set(`env ${name}`, entry);
    else if (entry.flag === '--health-cmd' && entry.value !== undefined) last.set('health', entry);
  }
  const result: OptionsWithoutSecrets = { options: '', env: {}, warnings: [] };
  const kept: string[] = [];
  for (const entry of entries) {
    if (!entry.words.some(holdsSecret)) {
      kept.push(...entry.words);
      continue;
    }
    const name = envName(entry);
    if (name !== undefined && !holdsSecret(name)) {
      if (last.get(`env ${name}`) === entry && !isOverridden(name)) result.env[name] = entry.value!.slice(name.length + 1);
    } else if (entry.flag === '--health-cmd' && entry.value !== undefined) {
      if (last.get('health') !== entry) continue;
      result.healthCommand = entry.value;
      kept.push('--health-cmd', `eval "$${HEALTH_CMD_ENV}"`);
    } else {
      // The flag itself may be the secret (an unknown word): never name it.
      result.warnings.push(`${holdsSecret(entry.flag) ? 'an option' : `option ${entry.flag}`} holds a secret, which cannot reach the container from a Secret there; ignored`);
    }
  }
  result.options = kept.map(quoteOptionWord).join(' ');
  // A secret the words only hold together (unquoted, with a space in it) is in no single word.
  if (holdsSecret(result.options)) {
    result.warnings.push('the options hold a secret split over several words (quote it); all of them are ignored');
    return { options: '', env: {}, warnings: result.warnings };
  }
  return result;
}

/** A word splitOptionWords reads back as it is: plain, or in single quotes. */
function quoteOptionWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function healthCheck(result: ContainerOptions, flags: Record<string, string>): void {
  const command = flags['--health-cmd'];
  const seconds = (flag: string, fallback: number) => {
    const text = flags[flag];
    if (text === undefined) return fallback;
    const value = durationSeconds(text);
    if (value === undefined) result.warnings.push(`option ${flag} ${text}: not a duration (like 10s, 1m30s); using ${fallback}s`);
    return value ?? fallback;
  };
  const intervalSeconds = seconds('--health-interval', 30);
  const timeoutSeconds = seconds('--health-timeout', 30);
  const retriesText = flags['--health-retries'];
  let retries = retriesText === undefined ? 3 : Number(retriesText);
  if (!Number.isInteger(retries) || retries < 1) {
    result.warnings.push(`option --health-retries ${retriesText}: not a positive whole number; using 3`);
    retries = 3;
  }
  const check = { intervalSeconds, timeoutSeconds, retries, startPeriodSeconds: seconds('--health-start-period', 0) };
  if (command === undefined) {
    if (Object.keys(flags).length) result.warnings.push('options --health-* without --health-cmd; ignored');
    return;
  }
  // `--health-cmd none` (or empty) turns the image's own check off: nothing to wait for.
  if (command.trim() && command.trim().toLowerCase() !== 'none') result.health = { command, ...check };
}

/** Go durations as Docker takes them (`10s`, `1m30s`, `500ms`), in whole seconds (at least 1). */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text.trim())) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * units[unit!]!;
  return Math.max(1, Math.ceil(total));
}

function applyOption(result: ContainerOptions, flag: string, value: string): void {
  switch (flag) {
    case '--user':
    case '-u': {
      const match = /^(\d+)(?::(\d+))?$/.exec(value);
      if (match) result.user = match[2] === undefined ? { uid: Number(match[1]) } : { uid: Number(match[1]), gid: Number(match[2]) };
      else result.warnings.push(`option --user ${value}: only numeric uid[:gid] can be honoured on Kubernetes; ignored`);
      return;
    }
    case '--workdir':
    case '-w':
      result.workdir = value;
      return;
    case '--env':
    case '-e': {
      const eq = value.indexOf('=');
      // `-e NAME` takes the value from kact's own environment in Docker; kact never leaks its env into pods.
      if (eq <= 0) result.warnings.push(`option --env ${value}: only NAME=VALUE is supported; ignored`);
      else result.env[value.slice(0, eq)] = value.slice(eq + 1);
      return;
    }
    case '--memory':
    case '-m': {
      const memory = dockerMemoryToQuantity(value);
      if (memory) result.memory = memory;
      else result.warnings.push(`option --memory ${value}: not a size; ignored`);
      return;
    }
    case '--cpus': {
      const cpus = Number(value);
      if (Number.isFinite(cpus) && cpus > 0) result.cpu = `${Math.round(cpus * 1000)}m`;
      else result.warnings.push(`option --cpus ${value}: not a number; ignored`);
      return;
    }
    case '--hostname':
    case '-h':
      result.hostname = value;
      return;
    case '--cap-add':
      result.capAdd.push(value.toUpperCase().replace(/^CAP_/, ''));
      return;
  }
}

/** Docker sizes use binary units with single letters (`512m`, `2g`); Kubernetes wants `512Mi`, `2Gi`. */
export function dockerMemoryToQuantity(value: string): string | undefined {
  const match = /^(\d+)([bkmg]?)b?$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = match[2]!.toLowerCase();
  const suffix = unit === 'k' ? 'Ki' : unit === 'm' ? 'Mi' : unit === 'g' ? 'Gi' : '';
  return `${match[1]}${suffix}`;
}
