import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFolder, type CopyInOptions } from './folder-archive.js';
import { POD_BUSYBOX } from './pod-builder.js';
import type { PodRef, PodTransport } from './pod-transport.js';

/**
 * Reads a length line, then exactly that many bytes of tar into the target folder. busybox tar
 * reads to end of input, and exec stdin cannot always be closed (only protocol v5 can), so `head`
 * ends the archive instead. The target path arrives as $1: never part of the script text.
 */
const UNTAR_SCRIPT = `set -e
bb=${POD_BUSYBOX}
IFS= read -r size
$bb mkdir -p "$1"
$bb head -c "$size" | $bb tar -x -o -f - -C "$1"`;

export type { CopyInOptions } from './folder-archive.js';

/** Copies a local folder into a folder of a running container, as one tar streamed over exec stdin. */
export async function copyIntoPod(transport: PodTransport, pod: PodRef, container: string, localDir: string, podPath: string, options: CopyInOptions = {}): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'kact-copy-'));
  try {
    // A file first, so the size is known before the first byte is sent.
    const archive = join(scratch, 'in.tar');
    await archiveFolder(localDir, archive, options);
    const { size } = await stat(archive);
    const stdin = (async function* () {
      yield Buffer.from(`${size}\n`);
      for await (const chunk of createReadStream(archive, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    })();
    const stderr: Buffer[] = [];
    const result = await transport.exec(pod, container, [POD_BUSYBOX, 'sh', '-c', UNTAR_SCRIPT, 'kact-copy', podPath], {
      stdin,
      onStdout: () => undefined,
      onStderr: (chunk) => stderr.push(chunk),
    });
    if (result.exitCode !== 0) {
      const detail = Buffer.concat(stderr).toString('utf8').trim() || result.lostReason || `exit code ${result.exitCode}`;
      throw new Error(`copying ${localDir} into ${pod.name}:${podPath} failed: ${detail}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
