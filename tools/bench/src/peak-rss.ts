import { readFileSync } from 'node:fs';

/** How often a spawned process's high-water mark is read. */
export const PEAK_RSS_INTERVAL_MS = 100;

/** A process's peak resident set size, or why none could be read. */
export type PeakRss = { peakMiB: number; reads: number } | { error: string };

export interface PeakRssWatch {
  /** Call when the process has exited: its pid is reaped then, and may already be another process's. */
  stop(): PeakRss;
}

export interface PeakRssOptions {
  intervalMs?: number;
  platform?: NodeJS.Platform;
  /** The text of `/proc/<pid>/status` (tests replace /proc). */
  readStatus?: (pid: number) => string;
}

const VM_HWM = /^VmHWM:\s*(\d+) kB$/m;

function vmHwmKiB(status: string): number {
  const match = VM_HWM.exec(status);
  // A zombie (exited, not yet reaped) has a status but no memory, so no VmHWM line.
  if (!match) throw new Error('no VmHWM line');
  return Number(match[1]);
}

/**
 * Reads the process's VmHWM every `intervalMs` until stopped. VmHWM is the kernel's high-water
 * mark of its resident set, so the last reading is the peak, whatever happened between readings;
 * only the time after the last reading is missed. There is no reading at `stop()`: by then the
 * process is gone.
 */
export function watchPeakRss(pid: number, options: PeakRssOptions = {}): PeakRssWatch {
  const { intervalMs = PEAK_RSS_INTERVAL_MS, platform = process.platform, readStatus = (p) => readFileSync(`/proc/${p}/status`, 'utf8') } = options;
  if (platform !== 'linux') {
    const error = `peak RSS is read from /proc/<pid>/status (VmHWM), which only Linux has; this is ${platform}`;
    return { stop: () => ({ error }) };
  }
  let lastKiB: number | undefined;
  let reads = 0;
  let attempts = 0;
  let failure: string | undefined;
  // Read synchronously: a read still under way could land after stop(), on a pid reused by then.
  const timer = setInterval(() => {
    attempts++;
    try {
      lastKiB = vmHwmKiB(readStatus(pid));
      reads++;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      if (lastKiB !== undefined) return { peakMiB: lastKiB / 1024, reads };
      if (attempts === 0) return { error: `process ${pid} exited within ${intervalMs} ms, before its first VmHWM reading` };
      return { error: `no VmHWM reading of process ${pid} in ${attempts} attempt(s), every ${intervalMs} ms: ${failure}` };
    },
  };
}
