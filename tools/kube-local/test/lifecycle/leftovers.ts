// What `kube-local down` must not leave behind, read from /proc, `ip link` and iptables-save.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { STATE_DIR } from '../cluster.js';

const run = promisify(execFile);

interface Proc {
  pid: number;
  state: string;
  exe: string;
  argv: string[];
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'.
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${entry}/exe`);
      } catch {
        // kernel threads and zombies have none
      }
      out.push({ pid: Number(entry), state, exe, argv });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Live (not zombie) processes of the cluster: the kube-local binary, containerd shims, our containerd. */
export function clusterProcesses(): string[] {
  return processes()
    .filter((p) => p.pid !== process.pid && !p.state.startsWith('Z'))
    .filter(
      (p) =>
        basename(p.exe).startsWith('kube-local') ||
        basename(p.argv[0] ?? '').startsWith('kube-local') ||
        p.argv.some((a) => a.includes('containerd-shim')) ||
        basename(p.exe).startsWith('containerd-shim') ||
        p.argv.some((a) => a.startsWith(join(STATE_DIR, 'containerd'))),
    )
    .map((p) => `${p.pid} [${p.state}] ${p.exe || '?'}: ${p.argv.join(' ')}`);
}

/** Mount points at or under the state dir (/proc/self/mountinfo field 5, octal escapes decoded). */
export function mountsUnderStateDir(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === STATE_DIR || m.startsWith(`${STATE_DIR}/`));
}

export async function links(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n);
}

export async function iptablesChains(): Promise<string[]> {
  const chains: string[] = [];
  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    const r = await run(cmd, []).catch(() => undefined);
    chains.push(...(r?.stdout ?? '').split('\n').filter((l) => /^:(KUBE-|CNI-)/.test(l)).map((l) => `${cmd}: ${l.split(' ')[0]}`));
  }
  return chains;
}
