/**
 * After an unclean stop (PiCloud killed with SIGKILL, a crash, a power cut) a previous PostgreSQL may
 * still run on our data directory, or its backends may outlive a killed postmaster and keep the old
 * shared-memory segment attached, which makes a new postmaster refuse to start. Every such process has
 * the data directory as its working directory, which is how we find them on Linux. Elsewhere the pid
 * in `postmaster.pid` is all we have.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../platform/process-alive.js';

/**
 * Alive and not a zombie: an exited process whose parent has not reaped it yet (orphans are reaped by
 * PID 1, which in some containers never does) holds no resources and must not be waited for.
 */
function running(pid: number): boolean {
  if (!processAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of processes whose working directory is `dataDir` (Linux), excluding ourselves. */
function processesInDirectory(dataDir: string): number[] {
  if (process.platform !== 'linux') return [];
  let target: string;
  try {
    target = realpathSync(dataDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === target && running(pid)) pids.push(pid);
    } catch {
      // Gone already, or not ours to inspect.
    }
  }
  return pids;
}

/** The postmaster pid recorded in `postmaster.pid`, if the file exists. */
function recordedPostmaster(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(running);
  // A short, bounded wait loop: only runs during start-up recovery, never while idle.
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(running);
  }
  return alive;
}

/** What recovery found and did, for the log. */
export interface LeftoverReport {
  /** Processes of a previous instance that were stopped. */
  stopped: number[];
  /** True when a stale `postmaster.pid` naming an unrelated process was removed. */
  removedStaleLock: boolean;
}

/**
 * Stops whatever a previous instance left running on `dataDir`: first a clean fast shutdown of the
 * old postmaster (so its committed data is flushed), then SIGKILL for anything that does not exit.
 */
export async function stopLeftoverPostgres(dataDir: string): Promise<LeftoverReport> {
  const report: LeftoverReport = { stopped: [], removedStaleLock: false };
  const recorded = recordedPostmaster(dataDir);
  const inDir = processesInDirectory(dataDir);
  const recordedIsOurs =
    recorded !== null && processAlive(recorded) && (process.platform !== 'linux' || inDir.includes(recorded));

  if (recorded !== null && processAlive(recorded) && !recordedIsOurs) {
    // The pid was reused by an unrelated process: PostgreSQL would refuse to start on this lock file.
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    report.removedStaleLock = true;
  }

  const victims = new Set(inDir);
  if (recordedIsOurs && recorded !== null) victims.add(recorded);
  if (victims.size === 0) return report;

  if (recordedIsOurs && recorded !== null) process.kill(recorded, 'SIGINT'); // fast shutdown
  let alive = await waitForExit([...victims], 15_000);
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  alive = await waitForExit(alive, 5_000);
  if (alive.length > 0) {
    throw new Error(`Processes ${alive.join(', ')} of a previous PostgreSQL on ${dataDir} do not exit`);
  }
  report.stopped = [...victims];
  return report;
}
