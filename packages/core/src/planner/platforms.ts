import type { Value } from '@kact/expressions';
import { InputError } from '@kact/model';

/** The locally built runner image (tools/images); what ubuntu-* labels run on by default. */
export const DEFAULT_RUNNER_IMAGE = 'kact.local/runner:trixie';

/** `runs-on` label → image, lower-cased labels; act's `-P label=image`. */
export type PlatformMap = Map<string, string>;

export function defaultPlatforms(): PlatformMap {
  return new Map(
    ['ubuntu-latest', 'ubuntu-24.04', 'ubuntu-22.04', 'ubuntu-20.04', 'linux'].map((label) => [label, DEFAULT_RUNNER_IMAGE]),
  );
}

/** Parses `-P label=image` flags over the defaults; a later flag wins. */
export function parsePlatforms(flags: string[], base: PlatformMap = defaultPlatforms()): PlatformMap {
  const map = new Map(base);
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) {
      throw InputError.at(`-P expects label=image, got '${flag}'`);
    }
    map.set(flag.slice(0, eq).trim().toLowerCase(), flag.slice(eq + 1).trim());
  }
  return map;
}

export interface RunsOn {
  labels: string[];
  /** The image of the first label that has one; undefined when none maps (the job is skipped, as act does). */
  image?: string;
}

/** Reads an evaluated `runs-on` (a label, a list, or `{ group, labels }`) against the platform map. */
export function resolveRunsOn(runsOn: Value, platforms: PlatformMap): RunsOn {
  let labels: Value[];
  if (Array.isArray(runsOn)) labels = runsOn;
  else if (runsOn !== null && typeof runsOn === 'object') {
    const l = runsOn.labels;
    labels = Array.isArray(l) ? l : l === undefined || l === null ? [] : [l];
  } else labels = runsOn === null ? [] : [runsOn];
  const names = labels.map((l) => String(l));
  const image = names.map((l) => platforms.get(l.toLowerCase())).find((i) => i !== undefined);
  return image === undefined ? { labels: names } : { labels: names, image };
}
