/**
 * Opens PiCloud's database: the embedded PostgreSQL (started here) or an external one from
 * PICLOUD_DATABASE_URL; applies migrations; hands out a typed Kysely instance over a pg pool.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/settings.js';
import { StartupError } from '../errors/startup-error.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { EmbeddedPostgres, type PostgresNetwork } from './embedded-postgres.js';
import { latestSchemaVersion, type MigrationFile, migrate, readMigrations } from './migrator.js';
import type { Database } from './schema.js';

// bigint columns (execution_logs.id, operations) arrive as strings: exact, and JSON-safe.

/** Logging callback shared by the database layer. */
export type DbLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** An open database with its migrations applied. */
export interface OpenDatabase {
  /** Typed query builder. */
  db: Kysely<Database>;
  /** The pool underneath (health checks, LISTEN/NOTIFY). */
  pool: pg.Pool;
  /** The embedded server, or null with an external database. */
  embedded: EmbeddedPostgres | null;
  /** How to connect (for dedicated connections such as LISTEN). */
  connectionString: string;
  /** The schema version after migrating. */
  schemaVersion: number;
  /** Migrations applied by this start (empty on a warm start). */
  appliedMigrations: string[];
  /** Closes the pool and stops the embedded server. */
  close(): Promise<void>;
}

/** Thrown when migrations cannot be applied; start-up stops with its message. */
export class MigrationError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Creates the pool with settings suited to a small appliance. */
export function createPool(connectionString: string, log: DbLog): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server (PostgreSQL restarted) must not crash the process.
  pool.on('error', (error) => log('warn', `database connection lost: ${error.message}`));
  // The pool listens only while a client is idle in it; one checked out (a transaction between two
  // queries, pg-boss between two statements) emits 'error' on itself when PostgreSQL goes away, and an
  // 'error' event nobody listens to kills the process. Its next query fails and reports it; the pool
  // discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** How a cluster's node opens its database (see server/cluster/); absent on a node in no cluster. */
export interface ClusterDatabase {
  /**
   * A member: the primary's database at this URL, which it never migrates (the primary does): it
   * checks that the schema is the one it was built for instead.
   */
  memberUrl?: string;
  /** The primary: its embedded PostgreSQL opens to members on this fixed port. */
  primary?: { network: PostgresNetwork; port: number };
}

/**
 * A member's check of the primary's schema: the same version as this build's, or start-up stops
 * naming which side to update.
 */
async function checkSchema(client: pg.PoolClient, migrations: MigrationFile[]): Promise<number> {
  const ours = latestSchemaVersion(migrations);
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  const theirs = rows[0]?.version ?? 0;
  if (theirs !== ours) {
    const update = theirs < ours ? 'the primary' : 'this node';
    throw new MigrationError(
      `The primary's database has schema ${theirs}, this node's PiCloud expects ${ours}: update ${update} to the same version.`,
    );
  }
  return ours;
}

/** Starts (if embedded) and migrates the database. */
export async function openDatabase(
  config: Config,
  log: DbLog,
  cluster: ClusterDatabase = {},
): Promise<OpenDatabase> {
  const migrations = readMigrations(MIGRATIONS_DIR);
  const externalUrl = cluster.memberUrl ?? config.databaseUrl;
  const embedded = externalUrl
    ? null
    : new EmbeddedPostgres({
        dataDir: config.dataDir,
        port: cluster.primary?.port ?? config.postgresPort,
        network: cluster.primary?.network ?? null,
        log,
      });
  const connectionString = externalUrl ?? (await embedded!.start());
  const pool = createPool(connectionString, log);
  const close = async () => {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
  };
  try {
    const client = await pool.connect().catch((error: Error) => {
      const where = cluster.memberUrl
        ? "the primary's database"
        : config.databaseUrl
          ? 'the database at PICLOUD_DATABASE_URL'
          : 'the embedded database';
      throw new StartupError(`Cannot connect to ${where}: ${error.message}`, { cause: error });
    });
    let result: Awaited<ReturnType<typeof migrate>>;
    try {
      result = cluster.memberUrl
        ? { ok: true, applied: [], schemaVersion: await checkSchema(client, migrations) }
        : await migrate(client, migrations);
    } finally {
      client.release();
    }
    if (!result.ok) throw new MigrationError(result.error);
    for (const migration of result.applied) log('info', `applied migration ${migration.name}`);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      pool,
      connectionString,
      embedded,
      schemaVersion: result.schemaVersion,
      appliedMigrations: result.applied.map((m) => m.name),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function databaseIsHealthy(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([pool.query('SELECT 1').then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
