/**
 * The tray's view of the cluster: the server's `cluster-nodes.json` (written only when the list
 * changes) read by the desktop app, which watches the data folder instead of polling.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readClusterNodes, watchClusterNodes } from '../../main/tray/cluster-nodes.js';
import { writeNodeList } from '../../server/cluster/node-list-file.js';

const dir = mkdtempSync(join(tmpdir(), 'picloud-tray-nodes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cluster-nodes.json', () => {
  it('is absent for a single appliance: the tray shows one node', () => {
    expect(readClusterNodes(dir)).toBeNull();
  });

  it('the server writes it, the watcher hears each change, and nothing when the list is the same', async () => {
    const heard: unknown[] = [];
    const stop = watchClusterNodes(dir, (nodes) => heard.push(nodes));
    try {
      writeNodeList(dir, [
        { name: 'alpha', role: 'primary', status: 'up' },
        { name: 'beta', role: 'member', status: 'up' },
      ]);
      await expect
        .poll(() => heard.at(-1), { timeout: 2_000 })
        .toEqual([
          { name: 'alpha', role: 'primary', status: 'up' },
          { name: 'beta', role: 'member', status: 'up' },
        ]);
      const count = heard.length;
      writeNodeList(dir, [
        { name: 'alpha', role: 'primary', status: 'up' },
        { name: 'beta', role: 'member', status: 'up' },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard.length).toBe(count);
      writeNodeList(dir, [
        { name: 'alpha', role: 'primary', status: 'up' },
        { name: 'beta', role: 'member', status: 'down' },
      ]);
      await expect
        .poll(() => (heard.at(-1) as { status: string }[] | null)?.[1]?.status, { timeout: 2_000 })
        .toBe('down');
    } finally {
      stop();
    }
  });

  it('a damaged file reads as no list', () => {
    writeFileSync(join(dir, 'cluster-nodes.json'), '{"nodes": [{"name": 1}');
    expect(readClusterNodes(dir)).toBeNull();
  });
});
