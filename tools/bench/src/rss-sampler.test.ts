import { afterEach, describe, expect, it, vi } from 'vitest';
import { sampleRss } from './rss-sampler.js';

afterEach(() => vi.useRealTimers());

describe('sampleRss', () => {
  it('keeps the highest reading, in MiB, sampling on its interval', () => {
    vi.useFakeTimers();
    const readings = [100, 300, 250, 200, 150].map((m) => m * 1024 * 1024);
    let i = 0;
    const sampler = sampleRss(100, () => readings[Math.min(i++, readings.length - 1)]!);
    vi.advanceTimersByTime(350);
    const reading = sampler.stop();
    expect(reading.startMiB).toBe(100);
    expect(reading.peakMiB).toBe(300);
    expect(reading.samples).toBe(5);
    vi.advanceTimersByTime(1000);
    expect(i).toBe(5);
  });
});
