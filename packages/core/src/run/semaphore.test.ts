import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Semaphore', () => {
  it('runs at most its limit at once, in the order asked, and a newcomer never slips past a waiter', async () => {
    const slots = new Semaphore(2);
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const task = (name: string) =>
      slots.use(async () => {
        most = Math.max(most, ++running);
        order.push(name);
        await new Promise<void>((resolve) => releases.set(name, resolve));
        running--;
      });
    const all = [task('a'), task('b'), task('c')];
    await tick();
    expect(slots.free).toBe(false);
    // a ends and hands its place to c; d, asked for right after, must wait behind c.
    releases.get('a')!();
    all.push(task('d'));
    await tick();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(most).toBe(2);
    releases.get('b')!();
    await tick();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    releases.get('c')!();
    releases.get('d')!();
    await Promise.all(all);
    expect(slots.free).toBe(true);
    expect(most).toBe(2);
  });
});
