import { afterEach, describe, expect, it, vi } from 'vitest';
import { timeProcess } from './cli-start.js';
import { watchPeakRss, type PeakRss } from './peak-rss.js';

afterEach(() => vi.useRealTimers());

/** A node child that fills `mib` MiB (every page resident) and holds it for 300 ms. */
const holding = (mib: number) => ['-e', `const b = Buffer.alloc(${mib} * 1024 * 1024, 1); setTimeout(() => b.length, 300)`];

const peakOf = (watched: PeakRss | undefined): number => {
  if (!watched || 'error' in watched) throw new Error(`no peak: ${watched?.error ?? 'not watched'}`);
  return watched.peakMiB;
};

describe.runIf(process.platform === 'linux')('watchPeakRss on a real process', () => {
  it("reads the spawned process's own high-water mark, not the parent's", async () => {
    const [big, idle] = await Promise.all([timeProcess(process.execPath, holding(50), watchPeakRss), timeProcess(process.execPath, holding(0), watchPeakRss)]);
    expect(big.error).toBeUndefined();
    expect(peakOf(big.watched)).toBeGreaterThanOrEqual(50);
    expect(peakOf(big.watched)).toBeGreaterThanOrEqual(peakOf(idle.watched) + 45);
    expect((big.watched as { reads: number }).reads).toBeGreaterThanOrEqual(2);
  });

  it('says so when the process exited before the first reading', async () => {
    const { watched } = await timeProcess(process.execPath, ['-e', '0'], (pid) => watchPeakRss(pid, { intervalMs: 60_000 }));
    expect(watched).toEqual({ error: expect.stringMatching(/^process \d+ exited within 60000 ms, before its first VmHWM reading$/) });
  });
});

describe('watchPeakRss', () => {
  const status = (kib?: number) => `Name:\tnode\nState:\tS (sleeping)\n${kib === undefined ? '' : `VmHWM:\t  ${kib} kB\n`}VmRSS:\t  1 kB\n`;

  it('keeps the last reading, in MiB, and reads nothing once stopped', () => {
    vi.useFakeTimers();
    // The last is a zombie's: exited, not yet reaped, no memory left to report.
    const statuses = [status(1024), status(3072), status()];
    const read = vi.fn((pid: number) => {
      expect(pid).toBe(42);
      return statuses.shift() ?? status(999_999);
    });
    const watch = watchPeakRss(42, { platform: 'linux', readStatus: read });
    vi.advanceTimersByTime(350);
    expect(watch.stop()).toEqual({ peakMiB: 3, reads: 2 });
    vi.advanceTimersByTime(1000);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('gives the last failure when no read succeeded', () => {
    vi.useFakeTimers();
    const watch = watchPeakRss(7, {
      platform: 'linux',
      readStatus: () => {
        throw new Error("ENOENT: no such file or directory, open '/proc/7/status'");
      },
    });
    vi.advanceTimersByTime(200);
    expect(watch.stop()).toEqual({ error: "no VmHWM reading of process 7 in 2 attempt(s), every 100 ms: ENOENT: no such file or directory, open '/proc/7/status'" });
  });

  it('fails, saying why, where there is no /proc', () => {
    vi.useFakeTimers();
    const read = vi.fn(() => status(1));
    const watch = watchPeakRss(7, { platform: 'darwin', readStatus: read });
    vi.advanceTimersByTime(500);
    expect(watch.stop()).toEqual({ error: 'peak RSS is read from /proc/<pid>/status (VmHWM), which only Linux has; this is darwin' });
    expect(read).not.toHaveBeenCalled();
  });
});
