/**
 * Change notifications: every control-plane write announces what changed with PostgreSQL NOTIFY on
 * one channel. Delivered on commit (and not at all on rollback), they reach every process connected to
 * the database, so the orchestrator's in-memory tables follow the manager's writes without polling.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** The NOTIFY channel. */
export const CHANGE_CHANNEL = 'picloud_changes';

/**
 * What changed. `app` is the app id; `script` a script id when one script's code changed. `triggers`:
 * an app's cron or queue triggers (the trigger scheduler follows it; routing does not need it).
 */
export interface Change {
  topic: 'apps' | 'domains' | 'scripts' | 'routes' | 'triggers';
  app: string;
  script?: string;
}

/** Queues a notification in the current transaction. */
export async function announce(db: Kysely<Database> | Transaction<Database>, change: Change): Promise<void> {
  await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
}
