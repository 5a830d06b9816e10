/**
 * `cluster-nodes.json` in the data folder: the cluster's nodes and their state, for the desktop app's
 * tray (main/tray/cluster-nodes.ts), which watches the file instead of asking the server. Written
 * only when the list changed, so the watcher wakes only for a change.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** The file's name. */
export const NODE_LIST_FILE = 'cluster-nodes.json';

/** One node as the tray shows it. */
export interface ListedNode {
  name: string;
  role: 'primary' | 'member';
  status: string;
}

/** Writes the list when it differs from the file's. */
export function writeNodeList(dataDir: string, nodes: readonly ListedNode[]): void {
  const path = join(dataDir, NODE_LIST_FILE);
  const text = `${JSON.stringify({ nodes: nodes.map(({ name, role, status }) => ({ name, role, status })) })}\n`;
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // No file yet.
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o644 });
  renameSync(temporary, path);
}

/** Reads the cluster's nodes from `cluster_nodes` and writes the tray's file (when it changed). */
export async function listNodesForTray(db: Kysely<Database>, dataDir: string): Promise<void> {
  const rows = await db
    .selectFrom('cluster_nodes')
    .select(['name', 'role', 'status'])
    .orderBy('role', 'desc')
    .orderBy('name')
    .execute();
  writeNodeList(dataDir, rows);
}
