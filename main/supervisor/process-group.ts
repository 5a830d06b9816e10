/**
 * The server runs in a process group of its own (spawned detached on POSIX), shared with the short-
 * lived programs it runs (initdb on a first start). After the server is gone — killed during start-up,
 * before it installed its signal handlers, or SIGKILLed after a stop timeout — whatever is left in the
 * group is stopped here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Live (not zombie) members of a process group. On Linux read from /proc, because an orphan that PID 1
 * never reaps stays a zombie that `kill(-pgid, 0)` still finds.
 */
export function processGroupMembers(pgid: number): number[] {
  if (process.platform === 'win32') return [];
  if (process.platform !== 'linux') {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? [pgid] : [];
    }
  }
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
  }
  return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group emptied meanwhile.
  }
}

/**
 * Stops what is left of a process group: SIGTERM, then SIGKILL
 * after `graceMs`. Resolves with the pids that were found left over (empty when the group was gone).
 */
export async function reapProcessGroup(pgid: number, graceMs = 5_000): Promise<number[]> {
  const leftovers = processGroupMembers(pgid);
  if (leftovers.length === 0) return [];
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processGroupMembers(pgid).length > 0) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      break;
    }
    await sleep(50);
  }
  return leftovers;
}
