/**
 * The backups of one appliance: its backup folder (create, list, delete, rotate) and restores, one
 * operation at a time. The admin API, the CLI and the scheduler all go through it. A restore over
 * existing data needs an explicit confirmation and first writes a `pre-restore` backup of what it is
 * about to replace, so the old state stays at hand.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ExtractLimits } from '../archive/safe-archive.js';
import type { MigrationFile } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import {
  BACKUP_FILE_NAME,
  type BackupInfo,
  type BackupKind,
  backupInfo,
  checkFreeSpace,
  openBackupArchive,
  readBackupManifest,
  writeBackupArchive,
} from './backup-archive.js';
import { openBackupSecrets, type RestoreResult, restoreBackup } from './restore.js';

/** Settings and dependencies of a {@link BackupService}. */
export interface BackupServiceOptions {
  pool: pg.Pool;
  /** Kysely over `pool`: a restore is a write transaction of the change feed on it. */
  db: Kysely<Database>;
  dataDir: string;
  backupDir: string;
  source: 'embedded' | 'external';
  /** Free bytes a backup must leave on the backup folder's file system. */
  minFreeBytes: number;
  /** Largest archive a restore accepts, in bytes (it may unpack to four times that). */
  maxArchiveBytes: number;
  /** Scheduled backups kept. */
  keep: number;
  migrations: MigrationFile[];
  /** Installs pg-boss's schema (a restore with queues into a database without it). */
  installPgBoss: () => Promise<void>;
  /** After a restore committed (the manager forgets its cached secrets key). */
  onRestored?: () => void;
}

/** Options of a restore. */
export interface RestoreOptions {
  /** Opens the backup's sealed secret files; without it secrets are not restored. */
  passphrase: string | null;
  /** Required when the database holds data: the restore replaces it. */
  confirmReplace: boolean;
}

/** A restore's result plus the backup written of the data it replaced. */
export interface RestoreReport extends RestoreResult {
  /** The `pre-restore` backup of the replaced data, or null when there was nothing to keep. */
  preRestoreBackup: BackupInfo | null;
}

/** True when the database holds something a person would miss: an account, an app or script of theirs, KV data. */
export async function databaseHoldsData(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ data: boolean }>(
    `SELECT to_regclass('public.apps') IS NOT NULL AND (
        EXISTS (SELECT 1 FROM admins) OR EXISTS (SELECT 1 FROM kv_entries)
        OR EXISTS (SELECT 1 FROM apps WHERE slug <> 'default')
        OR EXISTS (SELECT 1 FROM scripts WHERE name <> 'hello' OR current_version > 1)) AS data`,
  );
  return rows[0].data;
}

/** The backups in `backupDir`, newest first (files that are not readable backups are left out). */
export async function listBackupFolder(backupDir: string): Promise<BackupInfo[]> {
  if (!existsSync(backupDir)) return [];
  const infos: BackupInfo[] = [];
  for (const name of readdirSync(backupDir)) {
    if (!BACKUP_FILE_NAME.test(name)) continue;
    const path = join(backupDir, name);
    const manifest = await readBackupManifest(path);
    if (manifest) infos.push(backupInfo(name, statSync(path).size, manifest));
  }
  return infos.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.name.localeCompare(a.name));
}

/** The backups and restores of one appliance. */
export class BackupService {
  #busy: string | null = null;

  constructor(readonly options: BackupServiceOptions) {}

  /** Bounds of a restore's unpacking. */
  get limits(): ExtractLimits {
    const max = this.options.maxArchiveBytes;
    return { maxCompressedBytes: max, maxTotalBytes: 4 * max, maxEntryBytes: 4 * max, maxEntries: 1_000 };
  }

  /** Runs `work` alone: a second backup or restore meanwhile is refused (BACKUP_BUSY). */
  async #exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#busy) {
      throw new PicloudError(
        'PICLOUD_ERR_BACKUP_BUSY',
        `A ${this.#busy} is running; try again when it has finished`,
      );
    }
    this.#busy = what;
    try {
      return await work();
    } finally {
      this.#busy = null;
    }
  }

  /** Writes a backup; a scheduled one then rotates the scheduled backups down to `keep`. */
  create({ kind, passphrase }: { kind: BackupKind; passphrase: string | null }): Promise<BackupInfo> {
    return this.#exclusive('backup', async () => {
      const info = await this.#write(kind, passphrase);
      if (kind === 'scheduled') await this.#rotate();
      return info;
    });
  }

  #write(kind: BackupKind, passphrase: string | null): Promise<BackupInfo> {
    const { pool, dataDir, backupDir, source, minFreeBytes } = this.options;
    this.#removeStalePartials();
    return writeBackupArchive({ pool, dataDir, backupDir, source, kind, passphrase, minFreeBytes });
  }

  /** Partial files a crashed backup left (a running one is guarded by #busy within this process). */
  #removeStalePartials(): void {
    const { backupDir } = this.options;
    if (!existsSync(backupDir)) return;
    const dayAgo = Date.now() - 86_400_000;
    for (const name of readdirSync(backupDir)) {
      if (!name.startsWith('.partial-') && !name.startsWith('.restore-')) continue;
      const path = join(backupDir, name);
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    }
  }

  async #rotate(): Promise<void> {
    const scheduled = (await this.list()).filter((b) => b.kind === 'scheduled');
    for (const old of scheduled.slice(this.options.keep)) rmSync(this.pathOf(old.name), { force: true });
  }

  /** The backups in the folder, newest first (files that are not readable backups are left out). */
  list(): Promise<BackupInfo[]> {
    return listBackupFolder(this.options.backupDir);
  }

  /** The path of a backup of the folder; PICLOUD_ERR_BACKUP_NOT_FOUND for any other name. */
  pathOf(name: string): string {
    const path = join(this.options.backupDir, name);
    if (!BACKUP_FILE_NAME.test(name) || !existsSync(path)) {
      throw new PicloudError(
        'PICLOUD_ERR_BACKUP_NOT_FOUND',
        `No backup named ${JSON.stringify(name.slice(0, 100))}`,
      );
    }
    return path;
  }

  /** Deletes a backup of the folder. */
  delete(name: string): void {
    rmSync(this.pathOf(name));
  }

  /** Restores a backup file (of the folder or anywhere). */
  restoreFile(path: string, options: RestoreOptions): Promise<RestoreReport> {
    return this.restore(() => createReadStream(path), options);
  }

  /**
   * Restores the archive `open()` reads: unpacked and checked first (a damaged, truncated or hostile
   * archive is refused before anything changes), then — after the confirmation and a `pre-restore`
   * backup when data would be replaced — loaded in one transaction.
   */
  restore(open: () => Readable, options: RestoreOptions): Promise<RestoreReport> {
    return this.#exclusive('restore', async () => {
      const { backupDir, pool, db, dataDir, migrations, installPgBoss, minFreeBytes } = this.options;
      mkdirSync(backupDir, { recursive: true, mode: 0o700 });
      checkFreeSpace(backupDir, minFreeBytes);
      const workDir = join(backupDir, `.restore-${randomUUID()}`);
      try {
        const verified = await openBackupArchive(open(), workDir, this.limits);
        const replacing = await databaseHoldsData(pool);
        if (replacing && !options.confirmReplace) {
          throw new PicloudError(
            'PICLOUD_ERR_BACKUP_CONFIRM_REQUIRED',
            'This appliance holds data, which the restore would replace: confirm it (a backup of the current data is written first)',
          );
        }
        const secrets = await openBackupSecrets(verified, options.passphrase);
        const preRestoreBackup = replacing ? await this.#write('pre-restore', options.passphrase) : null;
        const client = await pool.connect();
        try {
          const result = await restoreBackup(
            verified,
            { db, client, dataDir, migrations, installPgBoss },
            secrets,
          );
          this.options.onRestored?.();
          return { ...result, preRestoreBackup };
        } catch (error) {
          // Nothing was replaced: the copy of the data kept for going back is not needed.
          if (preRestoreBackup) rmSync(join(backupDir, preRestoreBackup.name), { force: true });
          throw error;
        } finally {
          client.release();
        }
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    });
  }
}
