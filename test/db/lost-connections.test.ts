/**
 * A connection PostgreSQL drops (a restart, an administrator's pg_terminate_backend) must never take
 * the process down: an 'error' event nobody listens to throws. The pool listens on its idle
 * connections; these are the ones it does not watch — checked out and idle between two queries.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '../../server/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

it('a checked-out connection whose backend is terminated fails its next query, and the pool goes on', async () => {
  const logged: string[] = [];
  const pool = createPool(database.url, (_level, message) => logged.push(message));
  try {
    // 1. A client checked out, idle between two queries (as in a transaction awaiting the app).
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // The pool took its own listener off when it handed the client out: one must remain.
    if (client.listenerCount('error') === 0) {
      client.release(true);
      throw new Error('a checked-out client has no error listener');
    }
    const lost = once(client, 'error');
    // 2. Its server process goes away (what a PostgreSQL restart does to every connection).
    await database.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const [error] = (await lost) as [Error & { code?: string }];
    expect(error.code).toBe('57P01');
    // 3. The next query on it fails, it is discarded on release, and the pool serves fresh ones.
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(error);
    const fresh = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(fresh.rows).toEqual([{ one: 1 }]);
  } finally {
    await pool.end();
  }
});

it('an idle pooled connection terminated is logged, not thrown', async () => {
  const logged: string[] = [];
  const pool = createPool(database.url, (_level, message) => logged.push(message));
  try {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    client.release();
    const lost = once(pool, 'error');
    await database.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await lost;
    expect(logged).toEqual([expect.stringMatching(/^database connection lost: terminating connection/)]);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await pool.end();
  }
});
