import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The env a job pod gives `@actions/artifact` (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL…); each call may come from another job. */
export type JobEnv = Record<string, string>;

type ClientMethod = 'uploadArtifact' | 'downloadArtifact' | 'listArtifacts' | 'getArtifact' | 'deleteArtifact';

/** What the child reports for a call; `name` is the error class (ArtifactNotFoundError…). */
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string };

/**
 * GitHub's own `@actions/artifact`, in a node child as in a job's step. One child serves all of
 * a test file's calls (importing the library takes a second or more), one call at a time: the
 * library reads the runtime token and URL from process.env on every call, so each call brings its
 * job's env. A child also keeps the library's `::debug::` lines out of the test output.
 */
const CHILD_SCRIPT = `
const { DefaultArtifactClient } = await import('@actions/artifact');
const client = new DefaultArtifactClient();
let queue = Promise.resolve();
process.on('message', (call) => {
  queue = queue.then(async () => {
    Object.assign(process.env, call.env);
    try {
      process.send({ id: call.id, ok: true, value: await client[call.method](...call.args) });
    } catch (error) {
      process.send({ id: call.id, ok: false, name: String(error?.name), message: String(error?.message ?? error) });
    }
  });
});
process.send({ ready: true });
`;

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export class ArtifactClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private log = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    child.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    child.on('exit', (code) => {
      for (const call of this.pending.values()) call.reject(new Error(`the artifact client process exited (${code}):\n${this.log}`));
      this.pending.clear();
    });
  }

  static async start(): Promise<ArtifactClientProcess> {
    // A clean env: a CI runner's own ACTIONS_* or a GHES GITHUB_SERVER_URL would change what the library does.
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GITHUB_SERVER_URL: 'https://github.com' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const client = new ArtifactClientProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the artifact client process exited (${code}) before it was ready:\n${client.log}`)));
    });
    return client;
  }

  /** Calls `DefaultArtifactClient[method](...args)` as the job whose env is `env`; rejects with the library's error. */
  call<T>(env: JobEnv, method: ClientMethod, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, env, method, args });
    });
  }

  /** What the library printed, for a failing test's message. */
  get output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }

  private record(chunk: Buffer): void {
    // The last 64 KiB is enough to see what went wrong.
    this.log = (this.log + chunk.toString()).slice(-64 * 1024);
  }
}
