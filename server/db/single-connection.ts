/**
 * A Kysely handle over one connection the caller holds (a client checked out of the pool), for work
 * that needs the connection itself next to Kysely's queries in one transaction: a restore loads
 * tables with COPY streams (pg-copy-streams) on the client, inside a transaction Kysely opened on
 * that same client. The handle never releases nor ends the connection: its holder does.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';

/** Kysely over `client`: every query and transaction of the handle runs on it. */
export function kyselyOnConnection(client: pg.ClientBase): Kysely<Database> {
  const lease = {
    query: client.query.bind(client) as pg.ClientBase['query'],
    // Kysely hands its connection back after each use: the holder keeps it.
    release: () => undefined,
  };
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => lease,
        end: async () => undefined,
      },
    }),
  });
}
