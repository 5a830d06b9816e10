/**
 * Starting pg-boss (the first use of a queue installs its schema) when several processes start at
 * once against one database — two appliances on one database, or the nodes of a cluster sharing the
 * primary's PostgreSQL: every one of them succeeds, the schema is installed once, and a start that
 * failed (the database was not there yet) is tried again by the next use.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema.js';
import { QueueBroker } from '../../server/manager/triggers/queue-broker.js';
import { createTestDatabase } from '../support/database.js';

const APP = '20000000-0000-4000-8000-000000000001';
const POLICY = { maxAttempts: 2, backoffSeconds: 1 };

/** pg-boss's installer (its construction plan creates this type first, in one transaction). */
const INSTALLER = /CREATE TYPE pgboss\.job_state/;

/**
 * A broker over a pool of its own: from PostgreSQL's side, one more process. `installs` counts the
 * times it sent pg-boss's installer.
 */
function processBroker(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const counter = { installs: 0 };
  pool.on('connect', (client) => {
    client.on('error', () => undefined); // a dropped test database ends its connections
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      if (typeof args[0] === 'string' && INSTALLER.test(args[0])) counter.installs++;
      return query(...args);
    };
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { broker: new QueueBroker(db), db, counter };
}

describe('starting pg-boss', () => {
  it('succeeds in every one of several processes starting at once on a fresh database', async () => {
    // Several rounds: each is a fresh database, and the race is a matter of timing.
    for (let round = 0; round < 4; round++) {
      const database = await createTestDatabase();
      const processes = Array.from({ length: 6 }, () => processBroker(database.url));
      try {
        const started = await Promise.allSettled(processes.map(({ broker }) => broker.start()));
        const failures = started.flatMap((result) =>
          result.status === 'rejected' ? [String((result.reason as Error).message)] : [],
        );
        expect(failures, `round ${round}`).toEqual([]);
        // Installed once: the others found it installed rather than racing its installer.
        const installs = processes.reduce((sum, { counter }) => sum + counter.installs, 0);
        expect(installs, `round ${round}`).toBe(1);
        const { rows } = await database.pool.query('SELECT version FROM pgboss.version');
        expect(rows).toHaveLength(1);
        // Every process can use it.
        const ids = await Promise.all(
          processes.map(({ broker }, i) => broker.send(APP, `q${i % 2}`, { i }, POLICY)),
        );
        expect(new Set(ids).size).toBe(processes.length);
      } finally {
        await Promise.all(processes.map(({ broker }) => broker.stop()));
        await Promise.all(processes.map(({ db }) => db.destroy()));
        await database.drop();
      }
    }
  });

  it('tries again on the next use after a start that failed', async () => {
    const database = await createTestDatabase();
    // 1. A database that does not exist yet: the first start fails.
    const missing = new URL(database.url);
    missing.pathname = `${missing.pathname}_later`;
    const name = missing.pathname.slice(1);
    const { broker, db } = processBroker(missing.toString());
    try {
      await expect(broker.start()).rejects.toThrow(/does not exist/);
      // 2. Once it exists, the next use installs pg-boss and works.
      await database.pool.query(`CREATE DATABASE ${name}`);
      await broker.start();
      expect(await broker.send(APP, 'q', 1, POLICY)).toEqual(expect.any(String));
      expect(await broker.dueQueues([[APP, 'q']])).toEqual(new Set([`picloud.${APP}.q`]));
    } finally {
      await broker.stop();
      await db.destroy();
      // Its connections close after destroy() resolves: wait for them rather than cut them.
      for (;;) {
        const { rows } = await database.pool.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (rows[0].n === 0) break;
        await sleep(20);
      }
      await database.pool.query(`DROP DATABASE IF EXISTS ${name}`);
      await database.drop();
    }
  });
});
