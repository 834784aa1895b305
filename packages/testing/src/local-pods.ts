import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { POD_PATHS, type ContainerStepRequest, type JobBackend, type JobPod, type JobPodRequest, type ProcessRequest, type ProcessResult, type StepStrategy } from '@kact/core';

const PREFIXES = Object.values(POD_PATHS).filter((p) => p !== POD_PATHS.actions);
// A pod path starts the text or follows a separator (a translated one follows the root folder's name).
const POD_PATH_IN_TEXT = new RegExp(`(?<=^|[\\s:="'])(?:${PREFIXES.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=$|[/\\s:"'])`, 'g');

/**
 * A JobBackend and StepStrategy without a cluster: a "pod" is a temporary folder holding the pod
 * paths (`/github/workspace`, `/runner/temp`, `/__kact`…), a process is a child process of this
 * machine. Pod paths in a request's argv, env, working directory and file-command paths are
 * translated into the folder, so a step sees `$GITHUB_WORKSPACE` under it. Lets the interpreter
 * and decorators be tested in milliseconds; the conformance suite runs real pods.
 *
 * Not modelled: images and containers (every container is this machine, its tools and user),
 * isolation between containers, services (only their env is set; nothing listens), resources,
 * and container steps (`runContainer` rejects: docker actions need a cluster).
 */
export class LocalPods implements JobBackend, StepStrategy {
  readonly name = 'local-test';
  /** Pod name → the folder standing for it, while the pod runs. */
  readonly roots = new Map<string, string>();
  /** Every request `startJob` was given, in order. */
  readonly started: JobPodRequest[] = [];
  private steps = 0;

  async startJob(request: JobPodRequest): Promise<JobPod> {
    this.started.push(request);
    const root = await mkdtemp(join(tmpdir(), 'kact-pod-'));
    for (const p of PREFIXES) await mkdir(join(root, p), { recursive: true });
    this.roots.set(request.name, root);
    const services = Object.fromEntries(request.services.map((s) => [s.id, { container: s.container.name, host: 'localhost', ports: Object.fromEntries((s.container.ports ?? []).map((p) => [String(p), String(p)])) }]));
    return { name: request.name, namespace: 'test', mainContainer: request.main.name, services };
  }

  async copyIn(pod: JobPod, localDir: string, podPath: string, options?: { exclude?: (p: string) => boolean }): Promise<void> {
    const target = this.path(pod, podPath);
    await mkdir(target, { recursive: true });
    await cp(localDir, target, {
      recursive: true,
      filter: (src) => {
        const rel = src.slice(localDir.length + 1);
        return rel === '' || !options?.exclude?.(rel);
      },
    });
  }

  async stopJob(pod: Pick<JobPod, 'name'>): Promise<void> {
    const root = this.roots.get(pod.name);
    if (root) await rm(root, { recursive: true, force: true });
    this.roots.delete(pod.name);
  }

  /** Where a pod path of a running pod is on this machine. */
  path(pod: Pick<JobPod, 'name'>, podPath: string): string {
    return this.translate(this.roots.get(pod.name)!, podPath);
  }

  /**
   * Maps pod paths in `text` into the pod's folder. A path already inside it (a step wrote the
   * translated `$RUNNER_TEMP` into GITHUB_PATH, say) is left alone, so translating twice is harmless.
   * `root` is the pod's folder.
   */
  translate(root: string, text: string): string {
    return text.replace(POD_PATH_IN_TEXT, (path) => root + path);
  }

  async runProcess(pod: JobPod, request: ProcessRequest, output: (chunk: string) => void, signal: AbortSignal): Promise<ProcessResult> {
    const root = this.roots.get(pod.name)!;
    const t = (s: string) => this.translate(root, s);
    const fileCommands = Object.fromEntries(Object.entries(request.fileCommands).map(([k, v]) => [k, t(v)]));
    for (const file of Object.values(fileCommands)) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, '');
    }
    let scriptPath = '';
    if (request.script) {
      scriptPath = join(root, POD_PATHS.runtime, 'steps', `${++this.steps}${request.script.extension}`);
      await mkdir(dirname(scriptPath), { recursive: true });
      await writeFile(scriptPath, request.script.content);
    }
    const argv = request.command.map((a) => t(a).split('{0}').join(scriptPath));
    // A container's processes inherit its env (the job ConfigMap's in a real pod), and its secret
    // env (`secretEnv`: keys of the job's Secret, optional there).
    const started = this.started.find((r) => r.name === pod.name);
    const secretEnv = Object.entries(started?.main.secretEnv ?? {}).flatMap(([name, key]): Array<[string, string]> => {
      const value = started!.secrets[key];
      return value === undefined ? [] : [[name, value]];
    });
    const given = { ...started?.main.env, ...Object.fromEntries(secretEnv), ...request.env };
    const env = { PATH: process.env.PATH ?? '', ...Object.fromEntries(Object.entries(given).map(([k, v]) => [k, t(v)])) };
    const cwd = t(request.workingDirectory);
    await mkdir(cwd, { recursive: true });
    const { exitCode, timedOut } = await new Promise<{ exitCode: number; timedOut: boolean }>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let timedOut = false;
      const kill = () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      };
      const timer = request.timeoutMs ? setTimeout(() => ((timedOut = true), kill()), request.timeoutMs) : undefined;
      signal.addEventListener('abort', kill, { once: true });
      child.stdout.setEncoding('utf8').on('data', output);
      child.stderr.setEncoding('utf8').on('data', output);
      child.on('error', (err) => output(`${err.message}\n`));
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', kill);
        resolve({ exitCode: code ?? (sig ? 128 + 9 : 1), timedOut });
      });
    });
    const contents = Object.fromEntries(
      await Promise.all(Object.entries(fileCommands).map(async ([k, f]) => [k, await readFile(f, 'utf8').catch(() => '')] as const)),
    );
    return { exitCode: signal.aborted ? 130 : exitCode, fileCommands: contents, ...(timedOut ? { timedOut } : {}) };
  }

  async runContainer(_pod: JobPod, request: ContainerStepRequest): Promise<ProcessResult> {
    throw new Error(`container steps (${request.image}) need a cluster`);
  }
}
