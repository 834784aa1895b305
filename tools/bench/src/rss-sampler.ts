const MiB = 1024 * 1024;

export interface RssReading {
  /** RSS when sampling started, MiB. */
  startMiB: number;
  /** Highest RSS seen, MiB. */
  peakMiB: number;
  samples: number;
}

/**
 * Samples this process's resident set size every `intervalMs` until stopped: kact's own memory
 * while it runs jobs (the bench runs kact in-process).
 */
export function sampleRss(intervalMs = 100, read: () => number = () => process.memoryUsage.rss()): { stop(): RssReading } {
  const start = read();
  let peak = start;
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
    samples++;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, read());
      return { startMiB: start / MiB, peakMiB: peak / MiB, samples: samples + 1 };
    },
  };
}
