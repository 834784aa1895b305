import type { FileSharing, PodVolume, SharedPath, VolumeJob } from '@kact/core';

/** Which shared paths live on a PersistentVolumeClaim (the claim's name); the others stay emptyDirs. */
export interface ClaimSettings {
  /** Mounted whole at RUNNER_TOOL_CACHE by every job of every run: installed tools survive. */
  toolCache?: string;
  /** The workspace of each job in its own folder of the claim, `<runId>/<podName>`, kept after the job. */
  workspace?: string;
}

/** A bad `files:` setting; `path` is where it is in kact.config.yaml (`['files', 'toolCache', 'claim']`). */
export class ClaimSettingsError extends Error {
  override name = 'ClaimSettingsError';
  constructor(
    readonly path: string[],
    readonly problem: string,
  ) {
    super(`${path.join('.')}: ${problem}`);
  }
}

/** A PersistentVolumeClaim's name: a DNS-1123 subdomain. */
const CLAIM_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws a one-line ClaimSettingsError unless `name` can name a PersistentVolumeClaim. */
export function checkClaimName(name: unknown, path: string[]): string {
  if (typeof name !== 'string' || name === '') throw new ClaimSettingsError(path, 'expected the name of a PersistentVolumeClaim');
  if (name.length > 253 || !CLAIM_NAME.test(name)) {
    throw new ClaimSettingsError(path, `'${name}' is not a valid claim name (DNS-1123: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)`);
  }
  return name;
}

/**
 * Reads `files:` of kact.config.yaml, `{ toolCache?: { claim }, workspace?: { claim } }`, plus
 * `--tool-cache-pvc CLAIM`, its shorthand for `toolCache.claim` (the flag wins).
 */
export function parseClaimSettings(raw: unknown, toolCachePvc?: string): ClaimSettings {
  const settings: ClaimSettings = {};
  if (raw !== undefined && raw !== null) {
    if (!isMap(raw)) throw new ClaimSettingsError(['files'], 'expected a map with toolCache and/or workspace');
    for (const [key, value] of Object.entries(raw)) {
      if (key !== 'toolCache' && key !== 'workspace') throw new ClaimSettingsError(['files', key], 'unknown setting (expected toolCache or workspace)');
      if (!isMap(value)) throw new ClaimSettingsError(['files', key], 'expected { claim: NAME }');
      for (const field of Object.keys(value)) if (field !== 'claim') throw new ClaimSettingsError(['files', key, field], 'unknown setting (expected claim)');
      settings[key] = checkClaimName(value['claim'], ['files', key, 'claim']);
    }
  }
  if (toolCachePvc !== undefined) settings.toolCache = checkClaimName(toolCachePvc, ['--tool-cache-pvc']);
  return settings;
}

/**
 * FileSharing on PersistentVolumeClaims, for the tool cache and/or the workspace; temp, home and
 * kact's runtime folder (and whichever of the two has no claim) stay emptyDirs of the job pod.
 *
 * - Tool cache: the whole claim at RUNNER_TOOL_CACHE, shared by every job of every run, so tools
 *   a setup-* action installs are there for the next job. Concurrent jobs write to it at once:
 *   use a ReadWriteMany claim when jobs may land on several nodes.
 * - Workspace: the folder `<runId>/<podName>` of the claim (a subPath, created by the kubelet),
 *   so concurrent jobs never share one. The files stay on the claim after the job, for a look at
 *   what it left; kact never deletes them: prune old run folders yourself (or give the claim a
 *   lifetime of its own).
 *
 * Two claims, not one: a pod whose two volumes name the same claim never starts (the kubelet
 * mounts a claim once per pod), so the same name for both is refused.
 *
 * Pure: names the claims in the pod spec; it neither creates nor checks them (a missing claim
 * keeps the pod Pending, and the start fails with the scheduler's reason).
 */
export class ClaimFiles implements FileSharing {
  readonly name = 'pvc';
  private readonly claims: ClaimSettings;

  constructor(settings: ClaimSettings) {
    this.claims = {};
    if (settings.toolCache !== undefined) this.claims.toolCache = checkClaimName(settings.toolCache, ['files', 'toolCache', 'claim']);
    if (settings.workspace !== undefined) this.claims.workspace = checkClaimName(settings.workspace, ['files', 'workspace', 'claim']);
    if (this.claims.workspace !== undefined && this.claims.workspace === this.claims.toolCache) {
      // The kubelet mounts one claim once per pod: a second volume of the same claim never mounts and the pod hangs.
      throw new ClaimSettingsError(['files', 'workspace', 'claim'], `'${this.claims.workspace}' is also the tool cache's claim; a pod cannot mount one claim as two volumes, give each its own claim`);
    }
  }

  volume(path: SharedPath, job: VolumeJob): PodVolume {
    if (path === 'toolCache' && this.claims.toolCache) return { source: { persistentVolumeClaim: { claimName: this.claims.toolCache } } };
    if (path === 'workspace' && this.claims.workspace) {
      return { source: { persistentVolumeClaim: { claimName: this.claims.workspace } }, subPath: `${pathSegment(job.runId)}/${pathSegment(job.podName)}` };
    }
    return { source: { emptyDir: {} } };
  }
}

/** One folder name of a subPath: no '/', no '..', nothing a shell or a person would trip over. */
function pathSegment(value: string): string {
  const segment = value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^\.+/, '');
  return segment === '' ? '_' : segment;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
