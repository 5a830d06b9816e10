/**
 * The migrator against a real PostgreSQL: first run, re-run, tampering, a newer database, concurrent
 * starts, and malformed migration folders.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion, migrate, readMigrations } from '../../server/db/migrator.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.drop();
});

async function migrateWith(dir: string) {
  const client = await database.pool.connect();
  try {
    return await migrate(client, readMigrations(dir));
  } finally {
    client.release();
  }
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'picloud-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe('migrator', () => {
  it('applies every migration to an empty database and reports the schema version', async () => {
    const result = await migrateWith(MIGRATIONS_DIR);
    const expected = readMigrations(MIGRATIONS_DIR);
    expect(result).toMatchObject({ ok: true, schemaVersion: latestSchemaVersion(expected) });
    expect(result.ok && result.applied.map((m) => m.name)).toEqual(expected.map((m) => m.name));
    const { rows } = await database.pool.query(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    expect(rows).toEqual(expected.map((m) => ({ version: m.version, checksum: m.checksum })));
  });

  it('seeds the default app claiming localhost', async () => {
    await migrateWith(MIGRATIONS_DIR);
    const { rows } = await database.pool.query(
      `SELECT a.slug, d.pattern, d.kind, d.shape_key FROM apps a JOIN app_domains d ON d.app_id = a.id`,
    );
    expect(rows).toEqual([{ slug: 'default', pattern: 'localhost', kind: 'exact', shape_key: 'localhost' }]);
  });

  it('is a no-op when run again', async () => {
    await migrateWith(MIGRATIONS_DIR);
    const again = await migrateWith(MIGRATIONS_DIR);
    expect(again).toMatchObject({ ok: true, applied: [] });
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM apps');
    expect(rows[0].n).toBe(1);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const dir = copyOfMigrations();
    try {
      await migrateWith(dir);
      appendFileSync(join(dir, '0001_initial.sql'), '\n-- an innocent-looking edit\n');
      const result = await migrateWith(dir);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(
        /Migration 0001_initial\.sql was changed after it was applied/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database migrated by a newer PiCloud', async () => {
    const dir = copyOfMigrations();
    try {
      const next = String(readMigrations(dir).length + 1).padStart(4, '0');
      writeFileSync(join(dir, `${next}_from_the_future.sql`), 'CREATE TABLE future_feature (id int);');
      await migrateWith(dir);
      const result = await migrateWith(MIGRATIONS_DIR);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/created by a newer version/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls back everything when a migration fails', async () => {
    const dir = copyOfMigrations();
    try {
      const next = String(readMigrations(dir).length + 1).padStart(4, '0');
      writeFileSync(
        join(dir, `${next}_broken.sql`),
        'CREATE TABLE half_done (id int); SELECT no_such_function();',
      );
      const result = await migrateWith(dir);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/_broken\.sql failed/);
      const { rows } = await database.pool.query(
        "SELECT to_regclass('apps') AS apps, to_regclass('half_done') AS half",
      );
      expect(rows[0]).toEqual({ apps: null, half: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies each migration exactly once when several processes start at the same time', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => migrateWith(MIGRATIONS_DIR)));
    expect(results.every((r) => r.ok)).toBe(true);
    const appliedCounts = results.map((r) => (r.ok ? r.applied.length : -1));
    expect(appliedCounts.filter((n) => n > 0)).toHaveLength(1);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM apps');
    expect(rows[0].n).toBe(1);
  });

  it.each([
    ['a file that is not numbered', '1_initial.sql', /must be named NNNN_lower_snake_name\.sql/],
    [
      'a gap in the numbering',
      `${String(latestSchemaVersion(readMigrations(MIGRATIONS_DIR)) + 2).padStart(4, '0')}_later.sql`,
      /without gaps/,
    ],
  ])('rejects a folder with %s', (_label, fileName, message) => {
    const dir = copyOfMigrations();
    try {
      writeFileSync(join(dir, fileName), 'SELECT 1;');
      expect(() => readMigrations(dir)).toThrow(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
