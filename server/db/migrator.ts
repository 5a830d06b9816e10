/**
 * Applies the numbered SQL migrations in `migrations/` (NNNN_name.sql). All pending migrations run in
 * one transaction under a transaction-level advisory lock, so two processes starting at once apply
 * them exactly once. Each applied file's SHA-256 is recorded; an applied migration whose file has
 * changed, or an applied migration this build does not know (a newer PiCloud touched the database),
 * stops start-up with a clear message. Like Kysely's migrator it returns a result rather than
 * throwing for those expected failures.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';

/** One migration file. */
export interface MigrationFile {
  /** Its number: the schema version once applied. */
  version: number;
  /** The file name, e.g. `0001_initial.sql`. */
  name: string;
  /** SHA-256 of its bytes, hex. */
  checksum: string;
  /** Its SQL text. */
  sql: string;
}

/** The outcome of {@link migrate}. */
export type MigrationResult =
  | { ok: true; applied: MigrationFile[]; schemaVersion: number }
  | { ok: false; error: string };

/** Arbitrary but fixed key of the advisory lock that serialises migrators ("picloud" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x7069636c6f7564;

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads and checks the migration files: numbered 1, 2, 3… without gaps. */
export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const migrations = files.map((name) => {
    const match = FILE_PATTERN.exec(name);
    if (!match) throw new Error(`Migration file ${name} must be named NNNN_lower_snake_name.sql`);
    const bytes = readFileSync(join(dir, name));
    return {
      version: Number(match[1]),
      name,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      sql: bytes.toString('utf8'),
    };
  });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migrations must be numbered 1, 2, 3… without gaps: found ${migration.name} at position ${index + 1}`,
      );
    }
  });
  return migrations;
}

/** The schema version this build's migrations produce. */
export function latestSchemaVersion(migrations: MigrationFile[]): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
}

/** Creates the migration bookkeeping table when missing (inside the caller's transaction). */
export async function createMigrationTable(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/**
 * Runs one migration and records it, inside the caller's transaction (the restore of a backup runs
 * them inside its own). Resolves with an error message, or null once applied.
 */
export async function applyMigration(
  client: pg.ClientBase,
  migration: MigrationFile,
): Promise<string | null> {
  try {
    await client.query(migration.sql);
  } catch (error) {
    return `Migration ${migration.name} failed: ${(error as Error).message}`;
  }
  await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
    migration.version,
    migration.name,
    migration.checksum,
  ]);
  return null;
}

/** Applies pending migrations on a dedicated client. */
export async function migrate(client: pg.ClientBase, migrations: MigrationFile[]): Promise<MigrationResult> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await createMigrationTable(client);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const file = known.get(row.version);
      if (!file) {
        await client.query('ROLLBACK');
        return {
          ok: false,
          error: `The database has migration ${row.version} (${row.name}) which this PiCloud does not know: it was created by a newer version (this build's schema is ${latestSchemaVersion(migrations)}).`,
        };
      }
      if (file.checksum !== row.checksum) {
        await client.query('ROLLBACK');
        return {
          ok: false,
          error: `Migration ${file.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk). Applied migrations must never be edited: restore the file and add a new migration instead.`,
        };
      }
    }
    const appliedVersions = new Set(rows.map((row) => row.version));
    const pending = migrations.filter((m) => !appliedVersions.has(m.version));
    for (const migration of pending) {
      const error = await applyMigration(client, migration);
      if (error) {
        await client.query('ROLLBACK');
        return { ok: false, error };
      }
    }
    await client.query('COMMIT');
    return { ok: true, applied: pending, schemaVersion: latestSchemaVersion(migrations) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
