/**
 * The database for a CLI command (`picloud admin`, `picloud token`), wherever it is:
 *  - PICLOUD_DATABASE_URL: connect to it (migrating, as `picloud start` would);
 *  - embedded, PiCloud not running: take the data folder's instance lock (so `picloud start` cannot
 *    start meanwhile), start the embedded PostgreSQL and migrate as the appliance does, stop it after;
 *  - embedded, PiCloud running: connect to the running PostgreSQL (a second postmaster on the same
 *    cluster would stop the first one's), with the port from its `postmaster.pid` and the password
 *    from the data folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { prepareDataDir } from '../appliance/data-dir.js';
import { AlreadyRunningError, acquireInstanceLock, type InstanceLock } from '../appliance/instance-lock.js';
import { type RuntimeInfo, readRuntimeInfo } from '../appliance/runtime-file.js';
import { loadConfig } from '../config/load-config.js';
import { type Config, ConfigError } from '../config/settings.js';
import { createPool, type DbLog, openDatabase } from '../db/database.js';
import { DATABASE_NAME, PASSWORD_FILE, ROLE_NAME } from '../db/embedded-postgres.js';
import { latestSchemaVersion, readMigrations } from '../db/migrator.js';
import type { Database, JsonValue } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import { StartupError } from '../errors/startup-error.js';
import { AuditLog } from '../manager/auth/audit-store.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { processAlive } from '../platform/process-alive.js';
import { CliFailure } from './cli-failure.js';
import { EXIT } from './exit-codes.js';

/** How long to wait for a PiCloud that holds the lock but is still starting (or another CLI command). */
const BUSY_WAIT_MS = 60_000;

/** How a CLI command reached the database. */
export type CliDatabaseMode = 'external' | 'started' | 'running';

/** An open database for one CLI command. */
export interface CliDatabase {
  db: Kysely<Database>;
  /** The pool under `db` (COPY for backups). */
  pool: pg.Pool;
  /** External URL, an embedded server started for this command, or the running appliance's. */
  mode: CliDatabaseMode;
  /** The running appliance, when mode is 'running'. */
  runtime: RuntimeInfo | null;
  /** Closes the pool; stops the embedded server and releases the lock when this command started it. */
  close(): Promise<void>;
}

/** The database cannot be reached; its message says why and what to do. */
export class CliDatabaseError extends CliFailure {
  constructor(
    message: string,
    /** 'no-database': this data folder has never held a PiCloud database. */
    readonly reason: 'no-database' | 'unavailable',
  ) {
    super(message);
    this.name = 'CliDatabaseError';
  }
}

/** Database warnings and errors go to stderr; progress lines stay quiet. */
const quietLog: DbLog = (level, message) => {
  if (level !== 'info') process.stderr.write(`picloud: database ${level}: ${message}\n`);
};

/** True once `picloud start` has initialised the embedded cluster in this data folder. */
function clusterExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'postgres', 'PG_VERSION'));
}

/** The TCP port of the postmaster running on the cluster (line 4 of postmaster.pid). */
function runningPostgresPort(dataDir: string): number | null {
  try {
    const lines = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
    const port = Number(lines[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

function kyselyOver(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Connects to the embedded PostgreSQL of the PiCloud running on `dataDir`. */
async function connectToRunning(config: Config, runtime: RuntimeInfo): Promise<CliDatabase> {
  const { dataDir } = config;
  if (runtime.database !== 'embedded') {
    throw new CliDatabaseError(
      `PiCloud (pid ${runtime.pid}) runs on an external database: run this command with the same PICLOUD_DATABASE_URL`,
      'unavailable',
    );
  }
  const port = runningPostgresPort(dataDir);
  if (port === null) {
    throw new CliDatabaseError(
      `PiCloud (pid ${runtime.pid}) is running, but its PostgreSQL port is not readable in ${join(dataDir, 'postgres', 'postmaster.pid')}: run this command as the user that runs PiCloud`,
      'unavailable',
    );
  }
  let password: string;
  try {
    password = readFileSync(join(dataDir, PASSWORD_FILE), 'utf8').trim();
  } catch (error) {
    throw new CliDatabaseError(
      `Cannot read the database password in ${dataDir}: ${(error as Error).message} (run this command as the user that runs PiCloud)`,
      'unavailable',
    );
  }
  const url = `postgres://${ROLE_NAME}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  const pool = createPool(url, quietLog);
  try {
    // The appliance migrated at start; a CLI of another version must not work on a schema it does not know.
    const { rows } = await pool.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations',
    );
    const expected = latestSchemaVersion(readMigrations(MIGRATIONS_DIR));
    if (rows[0].version !== expected) {
      throw new CliDatabaseError(
        `The running PiCloud (pid ${runtime.pid}) has database schema ${rows[0].version}, this picloud expects ${expected}: use the picloud of the running version, or restart PiCloud with this one`,
        'unavailable',
      );
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof CliDatabaseError) throw error;
    throw new CliDatabaseError(
      `Cannot connect to the database of the running PiCloud (pid ${runtime.pid}): ${(error as Error).message}`,
      'unavailable',
    );
  }
  return {
    db: kyselyOver(pool),
    pool,
    mode: 'running',
    runtime,
    close: () => pool.end().catch(() => undefined),
  };
}

/** Starts the embedded PostgreSQL for this command while holding the instance lock. */
async function startOwn(config: Config, lock: InstanceLock): Promise<CliDatabase> {
  let open: Awaited<ReturnType<typeof openDatabase>>;
  try {
    open = await openDatabase(config, quietLog);
  } catch (error) {
    lock.release();
    throw error;
  }
  // A Ctrl+C or kill while the database runs: stop it cleanly rather than leave it to the next start.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`picloud: ${signal}: stopping the database\n`);
    void close().finally(() => process.exit(EXIT.failure));
  };
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        await open.close();
      } finally {
        lock.release();
      }
    })();
    return closing;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { db: open.db, pool: open.pool, mode: 'started', runtime: null, close };
}

/**
 * Opens the database of `config` for a CLI command (see the file comment for the three cases).
 * @example
 * const cli = await openCliDatabase(loadConfig());
 * try { await listAdmins(cli.db); } finally { await cli.close(); }
 * @throws CliDatabaseError when the database cannot be reached; StartupError when it cannot start.
 */
export async function openCliDatabase(
  config: Config,
  { create = false }: { create?: boolean } = {},
): Promise<CliDatabase> {
  if (config.databaseUrl) {
    const open = await openDatabase(config, quietLog);
    return {
      db: open.db,
      pool: open.pool,
      mode: 'external',
      runtime: null,
      close: () => open.close(),
    };
  }
  const { dataDir } = config;
  if (create) prepareDataDir(dataDir);
  if (!create && !clusterExists(dataDir)) {
    throw new CliDatabaseError(
      `No PiCloud database in ${dataDir} yet: run \`picloud start\` once (or set PICLOUD_DATA_DIR to the data folder PiCloud uses)`,
      'no-database',
    );
  }
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    let holder: number;
    try {
      return await startOwn(config, acquireInstanceLock(dataDir));
    } catch (error) {
      if (!(error instanceof AlreadyRunningError)) throw error;
      holder = error.pid;
    }
    // runtime.json appears once the holder's server listens, its database started and migrated.
    const runtime = readRuntimeInfo(dataDir);
    if (runtime && runtime.pid === holder && processAlive(holder)) return connectToRunning(config, runtime);
    if (Date.now() > deadline) {
      throw new CliDatabaseError(
        `The data folder ${dataDir} is busy (pid ${holder}: PiCloud starting or stopping, or another picloud command): try again`,
        'unavailable',
      );
    }
    // A short, bounded wait: the holder is starting up, or is another CLI command about to finish.
    await sleep(200);
  }
}

/**
 * Loads the configuration, opens the database, runs `work` and closes the database. Errors the user
 * can fix become one `picloud: …` line on stderr and their exit code; anything else is a bug and is
 * rethrown. `noDatabase` replaces the message for a data folder without a database.
 */
export async function withCliDatabase(
  work: (db: Kysely<Database>, context: { config: Config; cli: CliDatabase }) => Promise<number>,
  options: { noDatabase?: string; create?: boolean; prepare?: (config: Config) => void } = {},
): Promise<number> {
  let cli: CliDatabase | null = null;
  try {
    const config = loadConfig();
    options.prepare?.(config);
    cli = await openCliDatabase(config, { create: options.create });
    return await work(cli.db, { config, cli });
  } catch (error) {
    const noDatabase = error instanceof CliDatabaseError && error.reason === 'no-database';
    if (error instanceof CliFailure) {
      console.error(`picloud: ${noDatabase && options.noDatabase ? options.noDatabase : error.message}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError || error instanceof StartupError || error instanceof PicloudError) {
      console.error(`picloud: ${error.message}`);
      return EXIT.failure;
    }
    throw error;
  } finally {
    await cli?.close();
  }
}

/** The name the audit log gives the person at the terminal. */
function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers).
    return process.env.USER ?? process.env.USERNAME ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Records a CLI action in the audit log, under the operating-system user who ran it. */
export async function recordCliAction(
  db: Kysely<Database>,
  config: Config,
  entry: { action: string; target: Record<string, JsonValue>; appId: string | null },
): Promise<void> {
  await new AuditLog(db, config.auditRetentionDays).record({
    actorKind: 'cli',
    actorId: null,
    actorName: osUserName(),
    ...entry,
    outcome: 'ok',
    status: null,
    ip: '',
  });
}

/** How a token's or an account's creator is named when the CLI made it. */
export function cliCreator(): string {
  return `cli:${osUserName()}`;
}
