/**
 * The data folder must exist and take new files before anything else starts: found later (by the
 * instance lock, PostgreSQL's initdb, the secrets key) the same problem surfaces as a raw errno from
 * whichever step met it first.
 */
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';

/**
 * Creates the data folder (private to this user) and proves a file can be written in it.
 * @throws StartupError with code PICLOUD_ERR_STARTUP_DATA_DIR, naming the folder and the cause.
 * @example prepareDataDir('/var/lib/picloud')
 */
export function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartupError(`PICLOUD_DATA_DIR=${dataDir} cannot be created: ${(error as Error).message}`, {
      cause: error,
      code: 'PICLOUD_ERR_STARTUP_DATA_DIR',
    });
  }
  // Permission bits do not stop root, but a read-only file system or a full disk do: only a real write
  // tells.
  const probe = join(dataDir, `.write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w', 0o600));
    rmSync(probe, { force: true });
  } catch (error) {
    throw new StartupError(
      `PICLOUD_DATA_DIR=${dataDir} is not writable: ${(error as Error).message}. Choose a folder this user can write to, or fix its permissions.`,
      { cause: error, code: 'PICLOUD_ERR_STARTUP_DATA_DIR' },
    );
  }
}
