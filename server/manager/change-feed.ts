/**
 * Change notifications. Every control-plane write runs in a {@link writeTransaction} and announces
 * what it changed: a PostgreSQL NOTIFY on one channel, delivered on commit (never on rollback) to
 * every process connected to the database, so the orchestrators' in-memory tables follow the
 * manager's writes without polling.
 *
 * NOTIFY arrives a moment after the commit (later under load), so a write the API acknowledged could
 * still be answered 404, or by the old version, right after its 201. So the node that writes applies
 * its own changes too: once a write transaction has committed, the followers of that database handle
 * (this node's routing cache) apply its changes before the write returns — before the API answers.
 * Other nodes follow through NOTIFY; this node also gets its own notifications, which reload again
 * what is already current.
 *
 * A write made for an API request also holds that request's audit entry, written in the same
 * transaction (see change-witness.ts): a change never commits without its record.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { CHANGE_CHANNEL, type Change, type ChangeFollower } from '../contracts/changes.js';
import type { Database } from '../db/schema.js';
import { witnessIn, witnessWaiting } from './change-witness.js';

declare const writeTransactionBrand: unique symbol;

/** A transaction opened by {@link writeTransaction}: the only place changes may be announced. */
export type WriteTransaction = Transaction<Database> & { readonly [writeTransactionBrand]: true };

/** The changes each open write transaction has announced. */
const announced = new WeakMap<Transaction<Database>, Change[]>();

/** Who applies the committed changes of writes made through a database handle. */
const followersOf = new WeakMap<Kysely<Database>, Set<ChangeFollower>>();

/**
 * Has `follower` apply every change committed through `db` by {@link writeTransaction}, before that
 * write returns. Returns the function that stops it.
 *
 * @example
 * const unfollow = followCommits(database.db, orchestrator.routing);
 */
export function followCommits(db: Kysely<Database>, follower: ChangeFollower): () => void {
  let followers = followersOf.get(db);
  if (!followers) {
    followers = new Set();
    followersOf.set(db, followers);
  }
  followers.add(follower);
  return () => followers.delete(follower);
}

/**
 * Runs `write` in a transaction. The changes it announces are NOTIFYed on commit, and applied by the
 * followers of `db` before this resolves.
 *
 * `via`: open the transaction through this handle instead — one over a particular connection of
 * `db`'s database, such as a restore's, whose COPY streams need the connection itself (see
 * db/single-connection.ts). The followers are still `db`'s.
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  write: (trx: WriteTransaction) => Promise<T>,
  via: Kysely<Database> = db,
): Promise<T> {
  const changes: Change[] = [];
  const { result, witnessed } = await via.transaction().execute(async (trx) => {
    announced.set(trx, changes);
    const value = await write(trx as WriteTransaction);
    return { result: value, witnessed: await witnessIn(trx) };
  });
  witnessed?.();
  const followers = followersOf.get(db);
  if (changes.length > 0 && followers !== undefined && followers.size > 0) {
    await Promise.all([...followers].map((follower) => follower.applyCommitted(changes)));
  }
  return result;
}

/**
 * A write of one statement that announces nothing: run as it is outside a request (one statement is
 * atomic already, and the data plane's writes stay one round trip), in a {@link writeTransaction} when
 * a request's audit entry must commit with it.
 */
export function writeStatement<T>(
  db: Kysely<Database>,
  write: (writer: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return witnessWaiting() ? writeTransaction(db, write) : write(db);
}

/** Announces a change of the current write transaction (a NOTIFY queued until its commit). */
export async function announce(trx: WriteTransaction, change: Change): Promise<void> {
  await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify(change)})`.execute(trx);
  announced.get(trx)?.push(change);
}
