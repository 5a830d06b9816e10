/**
 * The cluster's nodes for the tray: the server writes them to `cluster-nodes.json` in the data folder
 * when they change (server/cluster/node-list-file.ts); the app watches the folder (no polling) and
 * reads the file again when it changes.
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { TrayNode } from './tray-menu.js';

const FILE = 'cluster-nodes.json';

/** The nodes the file lists, or null when there is none (or it cannot be read). */
export function readClusterNodes(dataDir: string): TrayNode[] | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as { nodes?: unknown };
    if (!Array.isArray(parsed.nodes)) return null;
    return parsed.nodes
      .filter(
        (node): node is TrayNode =>
          typeof node?.name === 'string' &&
          typeof node?.status === 'string' &&
          typeof node?.role === 'string',
      )
      .map(({ name, role, status }) => ({ name: name.slice(0, 60), role, status: status.slice(0, 20) }));
  } catch {
    return null;
  }
}

/** Calls `onChange` with the nodes whenever the file changes; returns the function that stops watching. */
export function watchClusterNodes(dataDir: string, onChange: (nodes: TrayNode[] | null) => void): () => void {
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dataDir, (_event, filename) => {
      if (filename === FILE) onChange(readClusterNodes(dataDir));
    });
    // A watcher that fails later (the folder removed) just stops; the tray keeps what it showed.
    watcher.on('error', () => watcher?.close());
  } catch {
    // The data folder does not exist yet: the tray shows one node until the app restarts.
  }
  return () => watcher?.close();
}
