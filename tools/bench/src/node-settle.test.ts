import { describe, expect, it } from 'vitest';
import type { KubeConnection } from '@kact/kubernetes';
import { kactPodsOnNodes, settleNodes } from './node-settle.js';

describe('settleNodes', () => {
  it('waits until no node holds a kact pod, and says how long', async () => {
    const held = [3, 1, 0];
    const settled = await settleNodes(async () => held.shift()!, { pollMs: 20 });
    expect(held).toEqual([]);
    expect('waitedMs' in settled && settled.waitedMs).toBeGreaterThanOrEqual(35);
  });

  it('starts the sample anyway past its timeout, or when the nodes cannot be asked, saying why', async () => {
    expect(await settleNodes(async () => 2, { pollMs: 10, timeoutMs: 50 })).toEqual({ gaveUp: '2 kact pod(s) still on the nodes after 0 s' });
    const refused = await settleNodes(async () => {
      throw new Error('nodes "vm" is forbidden: cannot get resource "nodes/proxy"');
    });
    expect(refused).toEqual({ gaveUp: `the nodes' own pod lists could not be read (nodes/proxy): nodes "vm" is forbidden: cannot get resource "nodes/proxy"` });
  });
});

describe('kactPodsOnNodes', () => {
  it("counts the pods with a kact run id on every node's own list, and nothing else", async () => {
    const lists: Record<string, unknown> = {
      a: { items: [{ metadata: { labels: { 'kact.dev/run-id': 'r1' } } }, { metadata: { labels: { app: 'other' } } }, { metadata: {} }] },
      b: { items: [{ metadata: { labels: { 'kact.dev/run-id': 'r2' } } }] },
    };
    const core = {
      listNode: async () => ({ items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }),
      connectGetNodeProxyWithPath: async ({ name, path }: { name: string; path: string }) => (path === 'pods' ? JSON.stringify(lists[name]) : ''),
    } as unknown as KubeConnection['core'];
    expect(await kactPodsOnNodes({ core })()).toBe(2);
  });
});
