/**
 * What a server that exited without stopping cleanly (killed, crashed, stopped mid-start before it
 * handled signals) may have left running, and stopping it, so that quitting the desktop app never
 * leaves a database behind and a restart finds the data folder free.
 *
 * Two kinds: children in the server's process group (initdb during a first start), and its
 * PostgreSQL, which the server starts in a process group of its own and which is found through the
 * data folder instead — the same recovery the server itself runs at start-up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopLeftoverPostgres } from '../../server/db/leftover-processes.js';
import { reapProcessGroup } from './process-group.js';

/**
 * Whether the server `pid` held the data folder's instance lock when it died: only then is the
 * PostgreSQL running there its own (a server that found another PiCloud holding the folder must not
 * stop that one's database).
 */
export function heldDataDir(dataDir: string, pid: number): boolean {
  try {
    return readFileSync(join(dataDir, 'picloud.lock'), 'utf8').trim() === String(pid);
  } catch {
    return false;
  }
}

/** Stops what the exited server `pid` left behind; resolves with the pids it stopped. */
export async function stopServerLeftovers(pid: number, dataDir: string): Promise<number[]> {
  const stopped = process.platform === 'win32' ? [] : await reapProcessGroup(pid);
  if (heldDataDir(dataDir, pid))
    stopped.push(...(await stopLeftoverPostgres(join(dataDir, 'postgres'))).stopped);
  return stopped;
}
