/**
 * Builds the real HTTP server around a migrated test database, for in-process `inject` tests.
 */
import pino from 'pino';
import { createPool, databaseIsHealthy } from '../../server/db/database.js';
import { migrate, readMigrations } from '../../server/db/migrator.js';
import { buildServer, type PicloudServer, type ServerDeps } from '../../server/http/build-server.js';
import { MIGRATIONS_DIR, PANEL_DIR } from '../../server/paths.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** A server on a fresh, migrated database. */
export interface TestServer extends PicloudServer {
  database: TestDatabase;
  schemaVersion: number;
  close(): Promise<void>;
}

/** Creates the server; `overrides` replace individual dependencies. */
export async function createTestServer(overrides: Partial<ServerDeps> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const client = await database.pool.connect();
  const result = await migrate(client, readMigrations(MIGRATIONS_DIR)).finally(() => client.release());
  if (!result.ok) throw new Error(result.error);
  const pool = createPool(database.url, () => undefined);
  const server = await buildServer({
    logger: pino({ level: 'silent' }),
    panelDir: PANEL_DIR,
    // Tests of the HTTP layer mount their own public test routes; the manager's access control is
    // tested with the manager (test/security).
    accessControl: async () => undefined,
    schemaVersion: result.schemaVersion,
    databaseIsHealthy: () => databaseIsHealthy(pool),
    ...overrides,
  });
  return {
    ...server,
    database,
    schemaVersion: result.schemaVersion,
    async close() {
      await server.close();
      await pool.end();
      await database.drop();
    },
  };
}
