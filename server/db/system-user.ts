/**
 * PostgreSQL refuses to run as root. When PiCloud itself runs as root (a headless service, a Pi set up
 * with sudo), the embedded server runs as a dedicated unprivileged system user instead, created on
 * first use.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The system user the embedded PostgreSQL runs as when PiCloud runs as root. */
export const POSTGRES_SYSTEM_USER = 'picloud';

/** A numeric user and group to run a child process as. */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

function lookup(name: string): RunAs | null {
  try {
    const uid = Number(
      execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const gid = Number(
      execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    return { uid, gid, name };
  } catch {
    return null;
  }
}

/**
 * Returns the user to run PostgreSQL as: null when this process is not root (PostgreSQL runs as us),
 * otherwise the unprivileged system user, created when missing.
 */
export function postgresRunAs(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const existing = lookup(POSTGRES_SYSTEM_USER);
  if (existing) return existing;
  try {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_SYSTEM_USER],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new Error(
      `Running as root, PiCloud needs an unprivileged user "${POSTGRES_SYSTEM_USER}" for PostgreSQL and could not create it (useradd: ${
        (error as Error).message
      }). Create it, or run PiCloud as a normal user.`,
    );
  }
  const created = lookup(POSTGRES_SYSTEM_USER);
  if (!created) throw new Error(`User "${POSTGRES_SYSTEM_USER}" was created but cannot be looked up`);
  return created;
}

/**
 * Checks that `user` can reach `dir` (every ancestor must be searchable by it), so that PostgreSQL
 * gets a clear message instead of a permission error deep inside initdb.
 * @returns the first ancestor the user cannot enter, or null when the path is reachable.
 */
export function firstUnreachableAncestor(dir: string, user: RunAs): string | null {
  let current = dirname(dir);
  for (;;) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(current);
    } catch {
      return null; // does not exist yet: it will be created by us with suitable modes
    }
    const searchable =
      (stats.uid === user.uid && (stats.mode & 0o100) !== 0) ||
      (stats.gid === user.gid && (stats.mode & 0o010) !== 0) ||
      (stats.mode & 0o001) !== 0;
    if (!searchable) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}
