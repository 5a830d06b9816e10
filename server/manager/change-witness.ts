/**
 * Records that commit together with the change they describe. A request that may change the appliance
 * carries a {@link ChangeWitness} — its audit entry (see auth/request-audit.ts) — for the whole of its
 * handler's asynchronous work (AsyncLocalStorage), and every control-plane write transaction
 * (`writeTransaction` in change-feed.ts) has it write its record inside the transaction, just before
 * COMMIT. The change and its record therefore commit or roll back as one: a client that resets its
 * connection right after sending cannot leave a change unrecorded, however early its answer is
 * abandoned. Stores stay free of requests; work done outside a request (start-up, triggers, the
 * script services) has no witness.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** What must commit with a request's change: written at most once, in its first write transaction. */
export interface ChangeWitness {
  /** True once the record is part of a committed transaction. */
  readonly committed: boolean;
  /** Writes the record inside `trx` (the change itself is done; COMMIT comes next). */
  writeIn(trx: Transaction<Database>): Promise<void>;
  /** The transaction that held the record committed. */
  markCommitted(): void;
}

const witnesses = new AsyncLocalStorage<ChangeWitness>();

/** Runs `work` (a request's handler) with `witness` recording the changes it makes. */
export function witnessing<T>(witness: ChangeWitness, work: () => T): T {
  return witnesses.run(witness, work);
}

/** True when the current request's record still waits for a write transaction to join. */
export function witnessWaiting(): boolean {
  const witness = witnesses.getStore();
  return witness !== undefined && !witness.committed;
}

/**
 * Inside a write transaction, once its writes are done: the current request's record joins it, when
 * it has not joined an earlier one. Returns what to call once the transaction has committed (nothing
 * to call when there was no record to write): a transaction whose COMMIT failed recorded nothing.
 */
export async function witnessIn(trx: Transaction<Database>): Promise<(() => void) | null> {
  const witness = witnesses.getStore();
  if (witness === undefined || witness.committed) return null;
  await witness.writeIn(trx);
  return () => witness.markCommitted();
}
