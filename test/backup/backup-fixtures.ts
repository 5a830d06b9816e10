/**
 * What the backup tests back up and compare: an app with everything an app can have (scripts with
 * several versions, a module, routes, a domain, cron and queue triggers, KV entries, a secret, a queue
 * message waiting), and a dump of every table to compare two databases row for row.
 */
import type pg from 'pg';
import { expect } from 'vitest';
import { BackupService } from '../../server/backup/backup-service.js';
import { installPgBossSchema } from '../../server/backup/pgboss-schema.js';
import { readMigrations } from '../../server/db/migrator.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import type { TestAppliance } from '../support/appliance.js';

/** Anything with the test appliance's `api()`. */
interface Api {
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

async function ok(target: Api, method: string, path: string, body: unknown, status = 201): Promise<any> {
  const response = await target.api(method, `/api/v1/admin${path}`, body);
  expect(response.status, `${method} ${path} → ${JSON.stringify(response.body)}`).toBe(status);
  return response.body;
}

/**
 * The backup service of a test appliance (its database, its data folder unless `dataDir` names
 * another), with its backups in `backupDir`.
 */
export function backupServiceFor(
  appliance: TestAppliance,
  backupDir: string,
  dataDir = appliance.dataDir,
): BackupService {
  const { pool, db } = appliance.appliance.database;
  return new BackupService({
    pool,
    db,
    dataDir,
    backupDir,
    source: 'external',
    minFreeBytes: 0,
    maxArchiveBytes: 64 * 1024 * 1024,
    keep: 2,
    migrations: readMigrations(MIGRATIONS_DIR),
    installPgBoss: () => installPgBossSchema(db),
  });
}

/** The secret value the fixtures store. */
export const SECRET_VALUE = 's3cr3t-garden-token';

/** Fills an appliance with the `garden` app. */
export async function populate(target: Api): Promise<void> {
  await ok(target, 'POST', '/apps', { slug: 'garden', name: 'Garden', cors_origins: ['http://phone.lan'] });
  await ok(target, 'POST', '/apps/garden/domains', { pattern: 'garden.lan' });
  await ok(target, 'POST', '/scripts', {
    app: 'garden',
    name: 'util',
    kind: 'module',
    source: 'fn double(x) { x * 2 }',
  });
  const water = await ok(target, 'POST', '/scripts', {
    app: 'garden',
    name: 'water',
    source: '#{ zone: ctx.params.zone, v: 1 }',
  });
  await ok(
    target,
    'PATCH',
    `/scripts/${water.id}`,
    {
      source:
        'import "util" as u;\nlet n = kv::incr("stats", "waterings");\n#{ zone: ctx.params.zone, twice: u::double(2), n: n, secret: secret::get("TOKEN").len() }',
      message: 'second',
    },
    200,
  );
  await ok(target, 'POST', '/scripts', { app: 'garden', name: 'nightly', source: '"done"' });
  await ok(target, 'POST', '/apps/garden/routes', {
    script: 'water',
    methods: ['GET'],
    path: '/water/:zone',
  });
  await ok(target, 'POST', '/apps/garden/triggers', {
    script: 'nightly',
    kind: 'cron',
    schedule: '0 4 * * *',
    timezone: 'Europe/Paris',
  });
  await ok(target, 'POST', '/apps/garden/triggers', {
    script: 'nightly',
    kind: 'queue',
    queue: 'later',
    enabled: false,
  });
  await ok(
    target,
    'PUT',
    '/apps/garden/kv/plants/rose',
    { value: { thirsty: true, tags: ['red', 'ü'] } },
    201,
  );
  await ok(target, 'PUT', '/apps/garden/secrets/TOKEN', { value: SECRET_VALUE }, 201);
  await ok(target, 'POST', '/apps/garden/queues/later/messages', { payload: { hello: 'queue' } }, 202);
}

/**
 * Every row of every public table (not the migration bookkeeping, whose applied_at differs; nor the
 * tables in `skip`) and of PiCloud's queue messages.
 */
export async function tableDump(
  pool: pg.Pool,
  { skip = [] as string[] } = {},
): Promise<Record<string, unknown[]>> {
  const { rows: tables } = await pool.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations' ORDER BY 1`,
  );
  const dump: Record<string, unknown[]> = {};
  for (const { relname } of tables.filter((t) => !skip.includes(t.relname))) {
    const { rows } = await pool.query(`SELECT * FROM ${relname} t ORDER BY t::text`);
    dump[relname] = rows;
  }
  const boss = await pool.query<{ r: string | null }>(`SELECT to_regclass('pgboss.job')::text AS r`);
  if (boss.rows[0].r) {
    dump['pgboss.job'] = (
      await pool.query(
        `SELECT id, name, data, state, retry_count FROM pgboss.job WHERE name LIKE 'picloud.%' ORDER BY id`,
      )
    ).rows;
  }
  return dump;
}
