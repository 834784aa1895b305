import { spawn, type ChildProcess } from 'node:child_process';

export interface KactInvocation {
  /** `kact.js` to run with node. */
  bin: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /** Send SIGINT once the output contains this text (cancellation cases). */
  interruptAfter?: string;
  /** Called with everything printed so far, on each chunk (fault tests act on what the run says). */
  onOutput?: (output: string, child: ChildProcess) => void;
}

export interface KactExit {
  exit: number | null;
  signal: string | null;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  timedOut: boolean;
  interrupted: boolean;
}

/** Runs kact as a child process, as a user would, and collects everything it printed. */
export function runKact(inv: KactInvocation): Promise<KactExit> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [inv.bin, ...inv.args], {
      cwd: inv.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...inv.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    let interrupted = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (inv.interruptAfter && !interrupted && output.includes(inv.interruptAfter)) {
        interrupted = true;
        child.kill('SIGINT');
      }
      inv.onOutput?.(output, child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    }, inv.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exit, signal) => {
      clearTimeout(timer);
      resolvePromise({ exit, signal, output, timedOut, interrupted });
    });
  });
}
