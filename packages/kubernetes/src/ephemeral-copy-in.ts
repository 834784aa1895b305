import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POD_PATHS, type JobPod } from '@kact/core';
import { archiveFolder, type CopyInOptions } from './folder-archive.js';
import type { StepContainers } from './ephemeral-step.js';
import { POD_BUSYBOX } from './pod-builder.js';

/** How a local folder gets into a running job pod (JobBackend.copyIn). */
export interface PodFileCopy {
  copyIn(pod: JobPod, localDir: string, podPath: string, options?: CopyInOptions): Promise<void>;
}

export interface EphemeralCopySettings {
  /** Largest packed (tar.gz) size accepted. */
  maxBytes?: number;
}

/** Bytes of archive per env var: base64 of it stays under the kernel's 128 KiB per env string. */
const PART_BYTES = 72 * 1024;
/** Env vars per container: ~768 KiB of base64, under the 1 MiB Secret limit and the 2 MiB env+argv limit. */
const PARTS_PER_CONTAINER = 8;
export const DEFAULT_COPY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Appends this container's parts (env KACT_COPY_0…, count KACT_COPY_N) to the staged archive in
 * the runtime volume; the last container unpacks it into the target. Paths arrive as argv.
 */
const COPY_SCRIPT = `set -e
bb='${POD_BUSYBOX}'
stage=$1 target=$2 last=$3
$bb mkdir -p "$stage"
i=0
while [ "$i" -lt "$KACT_COPY_N" ]; do
  eval "printf '%s' \\"\\$KACT_COPY_$i\\""
  i=$((i + 1))
done | $bb base64 -d >> "$stage/in.tgz"
if [ "$last" = 1 ]; then
  $bb mkdir -p "$target"
  $bb gunzip -c "$stage/in.tgz" > "$stage/in.tar"
  $bb tar -x -o -f "$stage/in.tar" -C "$target"
  $bb rm -rf "$stage"
fi`;

/**
 * Copies a folder into the pod without `pods/exec`: packed as tar.gz, carried base64 in the env
 * of ephemeral containers (per-container Secrets, ~576 KiB of archive each), appended to a staged
 * file on the runtime volume and unpacked by the last one. Each container costs a start (about a
 * second), so this suits checkouts of ordinary repositories; archives over `maxBytes` (32 MiB by
 * default) are refused with that limit in the message.
 */
export class EphemeralCopyIn implements PodFileCopy {
  private readonly maxBytes: number;

  constructor(
    private readonly containers: StepContainers,
    settings: EphemeralCopySettings = {},
  ) {
    this.maxBytes = settings.maxBytes ?? DEFAULT_COPY_MAX_BYTES;
  }

  /** Refuses archives over the limit, with the limit in the message. */
  checkSize(archive: Buffer, localDir: string, pod: JobPod, podPath: string): void {
    if (archive.length > this.maxBytes) {
      throw new Error(`copying ${localDir} into ${pod.name}:${podPath}: ${mib(archive.length)} packed, over the ${mib(this.maxBytes)} the no-exec copy carries (exclude files, or use the exec strategy)`);
    }
  }

  async copyIn(pod: JobPod, localDir: string, podPath: string, options: CopyInOptions = {}): Promise<void> {
    await this.copyArchive(pod, await packFolder(localDir, options), localDir, podPath);
  }

  /** Copies an archive packed by `packFolder`. */
  async copyArchive(pod: JobPod, archive: Buffer, localDir: string, podPath: string): Promise<void> {
    this.checkSize(archive, localDir, pod, podPath);
    const podSpec = await this.containers.podSpec(pod);
    const main = podSpec.containers.find((c) => c.name === pod.mainContainer) ?? podSpec.containers[0]!;
    const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const stage = `${POD_PATHS.runtime}/steps/copy-${id}`;
    const parts: Buffer[] = [];
    for (let offset = 0; offset < archive.length || parts.length === 0; offset += PART_BYTES) parts.push(archive.subarray(offset, offset + PART_BYTES));
    const batches = Math.ceil(parts.length / PARTS_PER_CONTAINER);
    for (let batch = 0; batch < batches; batch++) {
      const mine = parts.slice(batch * PARTS_PER_CONTAINER, (batch + 1) * PARTS_PER_CONTAINER);
      const env: Record<string, string> = { KACT_COPY_N: String(mine.length) };
      mine.forEach((part, i) => (env[`KACT_COPY_${i}`] = part.toString('base64')));
      const log: Buffer[] = [];
      const name = `copy-${id}-${batch}`;
      const result = await this.containers.run(
        pod,
        {
          name,
          image: main.image!,
          command: [POD_BUSYBOX, 'sh', '-c', COPY_SCRIPT, 'kact-copy', stage, podPath, batch === batches - 1 ? '1' : '0'],
          env,
          ...(main.securityContext ? { securityContext: main.securityContext } : {}),
        },
        { onLog: (chunk) => log.push(chunk), signal: new AbortController().signal },
      );
      if (result.exitCode !== 0) {
        throw new Error(`copying ${localDir} into ${pod.name}:${podPath} failed (container ${name}, exit code ${result.exitCode}): ${Buffer.concat(log).toString('utf8').trim() || result.reason}`);
      }
    }
  }
}

/** A local folder as tar.gz in memory, minus what `options.exclude` leaves out. */
export async function packFolder(localDir: string, options: CopyInOptions): Promise<Buffer> {
  const scratch = await mkdtemp(join(tmpdir(), 'kact-copy-'));
  try {
    const file = join(scratch, 'in.tgz');
    await archiveFolder(localDir, file, { ...options, gzip: true });
    return await readFile(file);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
