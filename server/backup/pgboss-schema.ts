/**
 * Installs pg-boss's schema in a database that has none, as the first use of a queue would: a restore
 * of a backup with queue messages needs pg-boss's tables and functions before its transaction starts.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { QueueBroker } from '../manager/triggers/queue-broker.js';

/** Installs (or migrates) pg-boss's schema, then lets go of pg-boss. */
export async function installPgBossSchema(db: Kysely<Database>): Promise<void> {
  const broker = new QueueBroker(db);
  await broker.start();
  await broker.stop();
}
