/**
 * One PiCloud per data folder: a second one would fight the first over its PostgreSQL (and recovery
 * would stop the first's database). The lock is a file created exclusively with our pid; a lock whose
 * pid is gone (the holder was killed) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { processAlive } from '../platform/process-alive.js';

/** Thrown when another live PiCloud holds the data folder. */
export class AlreadyRunningError extends StartupError {
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(
      `PiCloud is already running with data folder ${dataDir} (pid ${pid}). Stop it first, or set PICLOUD_DATA_DIR.`,
      { code: 'PICLOUD_ERR_STARTUP_ALREADY_RUNNING' },
    );
    this.name = 'AlreadyRunningError';
  }
}

/** A held lock. */
export interface InstanceLock {
  release(): void;
}

/** Takes the data folder's lock or throws {@link AlreadyRunningError}. */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  const file = join(dataDir, 'picloud.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      throw new AlreadyRunningError(holder, dataDir);
    }
    rmSync(file, { force: true }); // stale: its holder is gone
  }
  throw new Error(`Could not take the lock ${file}`);
}
