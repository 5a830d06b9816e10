/**
 * The logical export of PiCloud's database for a backup: every table of the `public` schema (but the
 * migration bookkeeping, which a restore rebuilds from its own migration files) and PiCloud's pg-boss
 * queues with their messages, each written with COPY … TO STDOUT in PostgreSQL's text format, all in
 * ONE read-only REPEATABLE READ transaction: every COPY sees the same snapshot, so the backup is
 * consistent while PiCloud keeps serving and writing, and holds every write committed before the
 * snapshot was taken. Readers are never blocked; writers neither (see docs/backup.md for why this was
 * chosen over PostgreSQL's low-level file-copy backup).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PGBOSS_SCHEMA } from '../manager/triggers/queue-broker.js';
import type { BackupManifest, BackupTable } from './manifest.js';

/** What the export adds to the manifest. */
export type DatabaseSection = BackupManifest['database'];

/** The prefix of PiCloud's pg-boss queues (its other users' queues, if any, stay out of backups). */
export const PICLOUD_QUEUE_PATTERN = 'picloud.%';

const ident = (name: string) => pg.escapeIdentifier(name);

/** Columns of a table in their declared order (no dropped or generated columns). */
export async function tableColumns(client: pg.ClientBase, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [schema, table],
  );
  return rows.map((row) => row.attname);
}

/** The tables of `public` that hold PiCloud's data (plain and partitioned; not schema_migrations). */
export async function publicTables(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname <> 'schema_migrations'
      ORDER BY c.relname`,
  );
  return rows.map((row) => row.relname);
}

/** Copies the result of `select` into `path`; resolves with the number of rows. */
async function copyOut(client: pg.ClientBase, select: string, path: string): Promise<number> {
  const stream = client.query(copyTo(`COPY (${select}) TO STDOUT`));
  await pipeline(stream, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return stream.rowCount ?? 0;
}

/**
 * Exports the database into `dir` (files under `db/`) in one snapshot.
 * @param afterTable called after each table (the free-space check; throwing stops the export).
 */
export async function exportDatabase(
  pool: pg.Pool,
  dir: string,
  source: 'embedded' | 'external',
  afterTable: () => void = () => undefined,
): Promise<DatabaseSection> {
  mkdirSync(join(dir, 'db'), { recursive: true, mode: 0o700 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The snapshot is taken by the first query; everything below reads from it.
    const { rows: migrations } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const { rows: version } = await client.query<{ server_version: string }>('SHOW server_version');
    const tables: BackupTable[] = [];
    for (const name of await publicTables(client)) {
      const columns = await tableColumns(client, 'public', name);
      const file = `db/${name}.tsv`;
      const select = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(name)}`;
      const rows = await copyOut(client, select, join(dir, file));
      tables.push({ name, file, columns, rows });
      afterTable();
    }
    const { rows: sequences } = await client.query<{ name: string; value: string | null }>(
      `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public'
        ORDER BY sequencename`,
    );
    const pgboss = await exportPgBoss(client, dir);
    await client.query('COMMIT');
    return {
      source,
      server_version: version[0].server_version,
      migrations,
      tables,
      sequences: sequences.map((s) => ({ name: s.name, value: s.value === null ? null : Number(s.value) })),
      pgboss,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** PiCloud's pg-boss queues and their messages, in the same snapshot; null when pg-boss is not installed. */
async function exportPgBoss(client: pg.ClientBase, dir: string): Promise<DatabaseSection['pgboss']> {
  const { rows } = await client.query<{ installed: string | null }>(
    `SELECT to_regclass('${PGBOSS_SCHEMA}.version')::text AS installed`,
  );
  if (rows[0].installed === null) return null;
  const { rows: versions } = await client.query<{ version: number }>(
    `SELECT version FROM ${PGBOSS_SCHEMA}.version`,
  );
  const { rows: queues } = await client.query(
    `SELECT name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds, retention_minutes, dead_letter
       FROM ${PGBOSS_SCHEMA}.queue WHERE name LIKE $1 ORDER BY name`,
    [PICLOUD_QUEUE_PATTERN],
  );
  const queuesFile = 'db/pgboss.queues.json';
  writeFileSync(join(dir, queuesFile), JSON.stringify(queues), { flag: 'wx', mode: 0o600 });
  const columns = await tableColumns(client, PGBOSS_SCHEMA, 'job');
  const file = 'db/pgboss.job.tsv';
  const rowsCopied = await copyOut(
    client,
    `SELECT ${columns.map(ident).join(', ')} FROM ${PGBOSS_SCHEMA}.job WHERE name LIKE '${PICLOUD_QUEUE_PATTERN}'`,
    join(dir, file),
  );
  return {
    version: versions[0].version,
    queues_file: queuesFile,
    jobs: { name: 'job', file, columns, rows: rowsCopied },
  };
}
