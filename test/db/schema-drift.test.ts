/**
 * The Kysely `Database` interface (through SCHEMA_COLUMNS, which the compiler ties to it) must describe
 * exactly what the migrations create: same tables, same columns, same types and nullability.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../server/db/migrator.js';
import { SCHEMA_COLUMNS } from '../../server/db/schema.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  const client = await database.pool.connect();
  try {
    expect((await migrate(client, readMigrations(MIGRATIONS_DIR))).ok).toBe(true);
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await database.drop();
});

it('matches the migrated database column for column', async () => {
  const { rows } = await database.pool.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: 'YES' | 'NO';
  }>(
    `SELECT table_name, column_name, data_type, is_nullable
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  const actual: Record<string, Record<string, { type: string; nullable: boolean }>> = {};
  for (const row of rows) {
    actual[row.table_name] ??= {};
    actual[row.table_name][row.column_name] = { type: row.data_type, nullable: row.is_nullable === 'YES' };
  }
  expect(actual).toEqual(SCHEMA_COLUMNS);
});
