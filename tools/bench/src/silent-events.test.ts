import { describe, expect, it } from 'vitest';
import { SilentEvents } from './silent-events.js';

const job = { key: 'w#j', name: 'j', workflow: 'w' };
const step = { index: 0, name: 'Run it', stage: 'main' as const };

describe('SilentEvents', () => {
  it('counts every line as its bytes plus a newline, and whole payload lines', () => {
    const events = new SilentEvents(4);
    for (const line of ['xxxx', 'xxxx', 'héllo', '']) events.stepLog(job, step, line);
    expect(events.log).toEqual({ lines: 4, bytes: 5 + 5 + 7 + 1, payloadLines: 2 });
  });

  it('passes the check only when bytes and lines all arrived whole', () => {
    const whole = new SilentEvents(4);
    for (let i = 0; i < 3; i++) whole.stepLog(job, step, 'xxxx');
    expect(whole.check(15, 3)).toMatchObject({ ok: true, deliveredBytes: 15, otherLines: 0 });

    const short = new SilentEvents(4);
    short.stepLog(job, step, 'xxxx');
    short.stepLog(job, step, 'xxxx');
    expect(short.check(15, 3)).toMatchObject({ ok: false, deliveredBytes: 10, deliveredLines: 2 });

    // Every payload byte arrived, but one line was split in two on the way: still a failure.
    const split = new SilentEvents(4);
    for (const line of ['xxxx', 'xxxx', 'xx', 'xx']) split.stepLog(job, step, line);
    expect(split.check(15, 3)).toMatchObject({ ok: false, deliveredBytes: 16, deliveredLines: 4, otherLines: 2 });
  });

  it('keeps the last kact messages about jobs', () => {
    const events = new SilentEvents();
    for (let i = 0; i < 60; i++) events.jobInfo(job, `message ${i}`);
    expect(events.messages).toHaveLength(50);
    expect(events.messages.at(-1)).toBe('j: message 59');
  });
});
