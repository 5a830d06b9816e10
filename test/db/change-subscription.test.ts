/**
 * The one LISTEN connection mechanism the routing cache and the trigger scheduler share: changes
 * NOTIFYed by any connection arrive; an unreadable one arrives as null ("anything may have
 * changed"); when PostgreSQL drops the connection it reconnects by itself, tells its owner null
 * (notifications may have been missed), and delivers again; closed, it neither delivers nor
 * reconnects.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHANGE_CHANNEL, type Change } from '../../server/contracts/changes.js';
import { ChangeSubscription } from '../../server/db/change-subscription.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const notify = (payload: string) =>
  database.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]);

/** The backends LISTENing on the change channel. */
async function listeners(): Promise<number[]> {
  const { rows } = await database.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
    [`LISTEN ${CHANGE_CHANNEL}`],
  );
  return rows.map((row) => row.pid);
}

it('delivers changes, reconnects after PostgreSQL drops it, and stops when closed', async () => {
  const received: (Change | null)[] = [];
  const logged: string[] = [];
  const subscription = new ChangeSubscription(
    'test listener',
    database.url,
    (change) => received.push(change),
    (level, message) => logged.push(`${level}: ${message}`),
  );
  await subscription.start();
  try {
    // 1. Changes from any connection, and an unreadable one as null.
    await notify(JSON.stringify({ topic: 'routes', app: 'a1' }));
    await notify('{not json');
    await expect.poll(() => received.length).toBe(2);
    expect(received).toEqual([{ topic: 'routes', app: 'a1' }, null]);

    // 2. PostgreSQL ends the connection (a restart, an administrator).
    const [pid] = await listeners();
    await database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    // It comes back by itself and says that anything may have changed meanwhile.
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(3);
    expect(received[2]).toBeNull();
    expect(logged[0]).toMatch(/^warn: test listener lost \(.+\); reconnecting$/);
    expect(logged).toContain('info: test listener reconnected');
    const [again] = await listeners();
    expect(again).not.toBe(pid);
    await notify(JSON.stringify({ topic: 'apps', app: 'a2' }));
    await expect.poll(() => received.length).toBe(4);
    expect(received[3]).toEqual({ topic: 'apps', app: 'a2' });
  } finally {
    await subscription.close();
  }
  // 3. Closed: no connection, nothing delivered, no reconnection.
  await expect.poll(listeners).toEqual([]);
  await notify(JSON.stringify({ topic: 'apps', app: 'a3' }));
  await sleep(300);
  expect(received).toHaveLength(4);
});
