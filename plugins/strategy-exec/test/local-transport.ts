import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerState, ExecIo, ExecResult, PodRef, PodTransport } from '@kact/kubernetes';

/**
 * A PodTransport whose "container" is this machine: argv runs as a local process. Lets the real
 * wrapper script run under a real shell without a cluster. `dropAfterBytes` imitates a connection
 * that dies mid-step the way containerd ends an exec: the exec's own process is SIGKILLed.
 */
export class LocalTransport implements PodTransport {
  dropAfterBytes: number | undefined;
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

/** A folder with `busybox`: the real one if this machine has it, else the bash stand-in the pod init uses. */
export async function localBusybox(kind: 'busybox' | 'shim'): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'kact-bb-'));
  const path = join(dir, 'busybox');
  if (kind === 'busybox') {
    const found = [process.env['KACT_TEST_BUSYBOX'], '/bin/busybox', '/usr/bin/busybox'].find((p) => p && existsSync(p));
    return found;
  }
  await writeFile(path, '#!/bin/bash\nif [ "$1" = sh ]; then shift; exec /bin/bash "$@"; fi\nexec "$@"\n');
  await chmod(path, 0o755);
  return path;
}
