/**
 * Loads a backup's export into a database, inside ONE write transaction the caller opened on
 * `client` (restore.ts, through the change feed's writeTransaction): it commits whole or not at all,
 * so a failure anywhere (a row a constraint refuses, a migration that fails) leaves the database as
 * it was. {@link prepareDatabaseImport} runs first, outside it.
 *
 *  1. the migration lock and pg-boss's queue lock are taken, so no PiCloud migrates or creates queues
 *     meanwhile;
 *  2. PiCloud's tables are dropped, then rebuilt by this build's own migrations up to the backup's
 *     schema version (their checksums must match the backup's: same migrations, same schema);
 *  3. each table is loaded with COPY … FROM STDIN, parents before children (foreign keys), and the
 *     sequences are set where the backup left them;
 *  4. the migrations after the backup's version run over the restored rows (an older backup is
 *     brought up to this build's schema);
 *  5. PiCloud's pg-boss queues are replaced by the backup's (pg-boss's own `create_queue` makes each
 *     queue's partition) and their messages copied in;
 *  6. every app, old and new, is announced as changed (`announce`), so that on commit this node's
 *     routing follows before the restore answers, and every other process through NOTIFY.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Change } from '../contracts/changes.js';
import {
  applyMigration,
  createMigrationTable,
  latestSchemaVersion,
  MIGRATION_LOCK_KEY,
  type MigrationFile,
} from '../db/migrator.js';
import { PGBOSS_SCHEMA, QUEUE_DDL_LOCK_KEY } from '../manager/triggers/queue-broker.js';
import { PICLOUD_QUEUE_PATTERN, publicTables, tableColumns } from './database-export.js';
import type { BackupManifest, BackupTable } from './manifest.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/** A restore the database refused; its message says why. Nothing was changed. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

/** What a database import did. */
export interface DatabaseImportResult {
  /** Rows loaded per table. */
  rows: Record<string, number>;
  /** Secrets (rows of `app_secrets`) left out because their key is not available. */
  secretsSkipped: number;
  /** pg-boss messages restored. */
  queueMessages: number;
}

/** Options of {@link importDatabase}. */
export interface ImportOptions {
  /** This build's migrations. */
  migrations: MigrationFile[];
  /** Key ids (see secret-key.ts) whose secrets can be read after the restore; others are left out. */
  readableSecretKeyIds: readonly string[];
  /** Announces a change in the caller's write transaction (the change feed's `announce`). */
  announce: (change: Change) => Promise<void>;
}

/** Options of {@link prepareDatabaseImport}. */
export interface PrepareImportOptions {
  /** This build's migrations. */
  migrations: MigrationFile[];
  /** Installs pg-boss's schema when the backup has queues and the database has none. */
  installPgBoss: () => Promise<void>;
}

/** Checks the backup's migrations against this build's: same files, and none this build lacks. */
export function checkMigrations(database: BackupManifest['database'], migrations: MigrationFile[]): void {
  const ours = new Map(migrations.map((m) => [m.version, m]));
  const latest = latestSchemaVersion(migrations);
  for (const theirs of database.migrations) {
    const mine = ours.get(theirs.version);
    if (!mine) {
      throw new RestoreRefusedError(
        `The backup was made by a newer PiCloud (schema ${theirs.version}; this one knows schema ${latest}): restore it with that version or a later one`,
      );
    }
    if (mine.checksum !== theirs.checksum) {
      throw new RestoreRefusedError(
        `The backup's migration ${theirs.version} (${theirs.name}) differs from this PiCloud's ${mine.name}: it comes from another build`,
      );
    }
  }
}

/** Orders tables so that every table comes after the tables its foreign keys reference. */
async function loadOrder(client: pg.ClientBase, tables: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
  );
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const { child, parent } of rows) parents.get(child)?.add(parent);
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visit = (table: string, path: Set<string>) => {
    if (placed.has(table)) return;
    if (path.has(table)) throw new Error(`Foreign keys form a cycle through ${table}`);
    path.add(table);
    for (const parent of parents.get(table) ?? []) if (parents.has(parent)) visit(parent, path);
    path.delete(table);
    placed.add(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

/** Loads `table`'s file with COPY FROM; resolves with the rows loaded. */
async function copyIn(client: pg.ClientBase, dir: string, qualified: string, table: BackupTable) {
  const stream = client.query(
    copyFrom(`COPY ${qualified} (${table.columns.map(ident).join(', ')}) FROM STDIN`),
  );
  await pipeline(createReadStream(join(dir, table.file)), stream);
  return stream.rowCount ?? 0;
}

/** Whether pg-boss's schema exists in the database `client` is connected to. */
async function pgBossInstalled(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ name: string | null }>(
    `SELECT to_regclass('${PGBOSS_SCHEMA}.version')::text AS name`,
  );
  return rows[0].name !== null;
}

/**
 * Before the transaction: refuses a backup this build cannot restore (nothing changed), and installs
 * pg-boss's schema when the backup has queue messages and the database has no pg-boss yet (its
 * installer commits on its own, and must not wait for the restore's locks).
 * @throws RestoreRefusedError when the backup's migrations do not fit this build.
 */
export async function prepareDatabaseImport(
  client: pg.ClientBase,
  database: BackupManifest['database'],
  options: PrepareImportOptions,
): Promise<void> {
  checkMigrations(database, options.migrations);
  if (database.pgboss && !(await pgBossInstalled(client))) await options.installPgBoss();
}

/**
 * Replaces the database's contents with the export in `dir`, inside the transaction open on `client`
 * (see the file comment for the steps).
 * @throws RestoreRefusedError (the caller rolls back: nothing changed) when the backup does not fit
 *   this build or a row is refused.
 */
export async function importDatabase(
  client: pg.ClientBase,
  dir: string,
  database: BackupManifest['database'],
  options: ImportOptions,
): Promise<DatabaseImportResult> {
  checkMigrations(database, options.migrations);
  const backupSchema = database.migrations.at(-1)?.version ?? 0;
  try {
    await client.query('SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2)', [
      MIGRATION_LOCK_KEY,
      QUEUE_DDL_LOCK_KEY,
    ]);
    const previousApps = (await publicTables(client)).includes('apps')
      ? (await client.query<{ id: string }>('SELECT id::text FROM apps')).rows.map((r) => r.id)
      : [];
    const bossInstalled = await pgBossInstalled(client);
    if (bossInstalled) {
      const { rows } = await client.query<{ name: string }>(
        `SELECT name FROM ${PGBOSS_SCHEMA}.queue WHERE name LIKE $1`,
        [PICLOUD_QUEUE_PATTERN],
      );
      for (const { name } of rows) {
        // Its messages first: the partition's foreign key to the queue restricts the queue's deletion.
        await client.query(`DELETE FROM ${PGBOSS_SCHEMA}.job WHERE name = $1`, [name]);
        await client.query(`SELECT ${PGBOSS_SCHEMA}.delete_queue($1)`, [name]);
      }
    }
    for (const table of [...(await publicTables(client)), 'schema_migrations']) {
      await client.query(`DROP TABLE IF EXISTS ${ident(table)} CASCADE`);
    }
    await createMigrationTable(client);
    const rows: Record<string, number> = {};
    const run = async (files: MigrationFile[]) => {
      for (const migration of files) {
        const error = await applyMigration(client, migration);
        if (error) throw new RestoreRefusedError(error);
      }
    };
    await run(options.migrations.filter((m) => m.version <= backupSchema));
    // The migrations seed rows (the default app); the backup brings its own.
    const created = await publicTables(client);
    for (const table of created) await client.query(`TRUNCATE ${ident(table)} CASCADE`);
    const byName = new Map(database.tables.map((t) => [t.name, t]));
    const missing = created.filter((t) => !byName.has(t));
    const extra = database.tables.filter((t) => !created.includes(t.name)).map((t) => t.name);
    if (missing.length > 0 || extra.length > 0) {
      throw new RestoreRefusedError(
        `The backup's tables do not match schema ${backupSchema}: ${[...missing.map((t) => `missing ${t}`), ...extra.map((t) => `unexpected ${t}`)].join(', ')}`,
      );
    }
    for (const name of await loadOrder(client, created)) {
      const table = byName.get(name) as BackupTable;
      const known = new Set(await tableColumns(client, 'public', name));
      const unknown = table.columns.filter((c) => !known.has(c));
      if (unknown.length > 0) {
        throw new RestoreRefusedError(
          `The backup's table ${name} has columns this schema lacks: ${unknown.join(', ')}`,
        );
      }
      rows[name] = await copyIn(client, dir, ident(name), table);
      if (rows[name] !== table.rows) {
        throw new RestoreRefusedError(
          `The backup's table ${name} holds ${rows[name]} rows, its manifest says ${table.rows}`,
        );
      }
    }
    const { rowCount: secretsSkipped } = await client.query(
      'DELETE FROM app_secrets WHERE NOT (key_id = ANY($1::text[]))',
      [[...options.readableSecretKeyIds]],
    );
    for (const sequence of database.sequences) {
      if (sequence.value === null) continue;
      const { rows: found } = await client.query<{ name: string | null }>(
        'SELECT to_regclass($1)::text AS name',
        [`public.${ident(sequence.name)}`],
      );
      if (found[0].name !== null) {
        await client.query('SELECT setval($1::regclass, $2)', [
          `public.${ident(sequence.name)}`,
          sequence.value,
        ]);
      }
    }
    await run(options.migrations.filter((m) => m.version > backupSchema));
    const queueMessages = database.pgboss ? await importPgBoss(client, dir, database.pgboss) : 0;
    const { rows: apps } = await client.query<{ id: string }>('SELECT id::text FROM apps');
    for (const app of new Set([...previousApps, ...apps.map((a) => a.id)])) {
      for (const topic of ['apps', 'triggers'] as const) await options.announce({ topic, app });
    }
    return { rows, secretsSkipped: secretsSkipped ?? 0, queueMessages };
  } catch (error) {
    if (error instanceof RestoreRefusedError) throw error;
    // A row refused by a constraint, a malformed COPY line: the backup does not fit; nothing changed.
    if (error instanceof Error && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
      throw new RestoreRefusedError(`The database refused the backup's data: ${error.message}`);
    }
    throw error;
  }
}

/** Recreates PiCloud's pg-boss queues of the backup and copies their messages in. */
async function importPgBoss(
  client: pg.ClientBase,
  dir: string,
  pgboss: NonNullable<BackupManifest['database']['pgboss']>,
): Promise<number> {
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${PGBOSS_SCHEMA}.version`);
  if (rows[0]?.version !== pgboss.version) {
    throw new RestoreRefusedError(
      `The backup's queues are in pg-boss schema ${pgboss.version}; this PiCloud's pg-boss uses schema ${rows[0]?.version}`,
    );
  }
  const queues = JSON.parse(readFileSync(join(dir, pgboss.queues_file), 'utf8')) as unknown;
  if (!Array.isArray(queues)) throw new RestoreRefusedError("The backup's queue list is malformed");
  for (const queue of queues as Record<string, unknown>[]) {
    if (typeof queue.name !== 'string' || !queue.name.startsWith('picloud.') || queue.name.length > 200) {
      throw new RestoreRefusedError("The backup's queue list names a queue that is not PiCloud's");
    }
    await client.query(`SELECT ${PGBOSS_SCHEMA}.create_queue($1, $2)`, [
      queue.name,
      JSON.stringify({
        policy: queue.policy,
        retryLimit: queue.retry_limit,
        retryDelay: queue.retry_delay,
        retryBackoff: queue.retry_backoff,
        expireInSeconds: queue.expire_seconds,
        retentionMinutes: queue.retention_minutes,
      }),
    ]);
  }
  const known = new Set(await tableColumns(client, PGBOSS_SCHEMA, 'job'));
  const unknown = pgboss.jobs.columns.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    throw new RestoreRefusedError(
      `The backup's queue messages have columns pg-boss lacks: ${unknown.join(', ')}`,
    );
  }
  const count = await copyIn(client, dir, `${PGBOSS_SCHEMA}.job`, pgboss.jobs);
  if (count !== pgboss.jobs.rows) {
    throw new RestoreRefusedError(
      `The backup holds ${count} queue messages, its manifest says ${pgboss.jobs.rows}`,
    );
  }
  return count;
}
