import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerState, ExecIo, ExecResult, PodRef, PodTransport } from '@kact/kubernetes';

/**
 * A PodTransport (the exec channel of @kact/kubernetes) whose "container" is this machine: each
 * exec's argv runs as a local process, stdin given, stdout/stderr streamed back. Lets a strategy
 * built on PodTransport run its real scripts under a real shell without a cluster.
 *
 * Not modelled: pods, containers and their images (the pod and container arguments are ignored),
 * paths (argv runs as given, on this machine's file system), and container state (always running).
 */
export class LocalTransport implements PodTransport {
  /**
   * Set it to make the next exec's connection die after that many stdout bytes, the way containerd
   * ends an exec when the stream breaks: the exec's own process is SIGKILLed and the result has no
   * exit code (`lostReason`). Applies to one exec, then resets.
   */
  dropAfterBytes: number | undefined;
  /** The argv of every exec, in order. */
  execs: string[][] = [];

  async exec(_pod: PodRef, _container: string, argv: string[], io: ExecIo): Promise<ExecResult> {
    this.execs.push(argv);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let seen = 0;
    let dropped = false;
    const drop = this.dropAfterBytes;
    this.dropAfterBytes = undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (dropped) return;
      if (drop !== undefined && seen + chunk.length >= drop) {
        io.onStdout(chunk.subarray(0, drop - seen));
        dropped = true;
        child.kill('SIGKILL');
        return;
      }
      seen += chunk.length;
      io.onStdout(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => !dropped && io.onStderr(chunk));
    child.stdin.on('error', () => undefined);
    if (io.stdin && Buffer.isBuffer(io.stdin)) child.stdin.write(io.stdin);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(dropped ? { exitCode: undefined, lostReason: 'dropped by test' } : { exitCode: code ?? 137 }));
    });
  }

  async containerState(): Promise<ContainerState> {
    return { state: 'running' };
  }
}

/**
 * A `busybox` for a strategy that runs its scripts through one (as the exec strategy does): `busybox`
 * gives this machine's real one ($KACT_TEST_BUSYBOX, /bin/busybox or /usr/bin/busybox), or undefined
 * when there is none; `shim` writes a bash stand-in (`busybox sh …` runs bash, `busybox cmd …` runs cmd).
 */
export async function localBusybox(kind: 'busybox' | 'shim'): Promise<string | undefined> {
  if (kind === 'busybox') return [process.env['KACT_TEST_BUSYBOX'], '/bin/busybox', '/usr/bin/busybox'].find((p) => p && existsSync(p));
  const path = join(await mkdtemp(join(tmpdir(), 'kact-bb-')), 'busybox');
  await writeFile(path, '#!/bin/bash\nif [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi\nexec "$@"\n');
  await chmod(path, 0o755);
  return path;
}
