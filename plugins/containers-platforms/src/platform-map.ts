import { InputError } from '@kact/model';
import type { ContainerSelection, RunnerSelection } from '@kact/core';

/** The locally built runner image (tools/images); what ubuntu-* labels run on by default. */
export const DEFAULT_RUNNER_IMAGE = 'kact.local/runner:trixie';

/** `runs-on` label → image, lower-cased labels; act's `-P label=image`. */
export type PlatformMap = Map<string, string>;

export function defaultPlatforms(): PlatformMap {
  return new Map(['ubuntu-latest', 'ubuntu-24.04', 'ubuntu-22.04', 'ubuntu-20.04', 'linux'].map((label) => [label, DEFAULT_RUNNER_IMAGE]));
}

/** Parses `-P label=image` flags over the defaults; a later flag wins. */
export function parsePlatforms(flags: string[], base: PlatformMap = defaultPlatforms()): PlatformMap {
  const map = new Map(base);
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) throw InputError.at(`-P expects label=image, got '${flag}'`);
    map.set(flag.slice(0, eq).trim().toLowerCase(), flag.slice(eq + 1).trim());
  }
  return map;
}

/** act's platform map: the image of the first label that has one; no placement. */
export class PlatformContainers implements ContainerSelection {
  readonly name = 'platforms';
  readonly hint = 'map a label with -P <label>=<image>';

  constructor(private readonly platforms: PlatformMap = defaultPlatforms()) {}

  select(labels: string[]): RunnerSelection | undefined {
    const image = labels.map((l) => this.platforms.get(l.toLowerCase())).find((i) => i !== undefined);
    return image === undefined ? undefined : { image };
  }
}
