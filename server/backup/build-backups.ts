/**
 * The backups of an appliance, assembled from its configuration: the service over its database and
 * backup folder (shared by `picloud start` and the `picloud backup` command) and the scheduler of
 * automatic backups.
 */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { type Config, localTimeZone } from '../config/settings.js';
import { readMigrations } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import type { BackupScheduleView } from '../manager/manager-deps.js';
import { parseCronSchedule } from '../manager/triggers/cron-schedule.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { BackupScheduler } from './backup-scheduler.js';
import { BackupService } from './backup-service.js';
import { installPgBossSchema } from './pgboss-schema.js';

const MIB = 1024 * 1024;

/** The backup folder of a configuration. */
export function backupDirOf(config: Pick<Config, 'backupDir' | 'dataDir'>): string {
  return config.backupDir ?? join(config.dataDir, 'backups');
}

/** The backup service of an appliance over its open database. */
export function createBackupService(
  config: Config,
  database: { pool: pg.Pool; db: Kysely<Database> },
  onRestored?: () => void,
): BackupService {
  return new BackupService({
    pool: database.pool,
    db: database.db,
    dataDir: config.dataDir,
    backupDir: backupDirOf(config),
    source: config.databaseUrl ? 'external' : 'embedded',
    minFreeBytes: config.backupMinFreeMb * MIB,
    maxArchiveBytes: config.backupMaxMb * MIB,
    keep: config.backupKeep,
    migrations: readMigrations(MIGRATIONS_DIR),
    installPgBoss: () => installPgBossSchema(database.db),
    onRestored,
  });
}

/** Starts the scheduler of automatic backups, or returns null when they are off. */
export function startBackupScheduler(
  config: Config,
  service: BackupService,
  log: (level: 'info' | 'warn' | 'error', message: string) => void,
): BackupScheduler | null {
  if (config.backupSchedule === null) return null;
  const schedule = parseCronSchedule(config.backupSchedule, localTimeZone());
  if ('error' in schedule) throw new Error(schedule.error); // validated when the configuration loaded
  const scheduler = new BackupScheduler({
    service,
    schedule,
    passphraseFile: config.backupPassphraseFile,
    log,
  });
  scheduler.start();
  return scheduler;
}

/** The schedule as the admin API shows it. */
export function scheduleView(config: Config, scheduler: BackupScheduler | null): BackupScheduleView {
  return {
    cron: config.backupSchedule,
    timezone: localTimeZone(),
    next_at: scheduler?.nextAt?.toISOString() ?? null,
    keep: config.backupKeep,
    seals_secrets: config.backupPassphraseFile !== null,
    min_free_mb: config.backupMinFreeMb,
  };
}
