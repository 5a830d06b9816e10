/**
 * Dead letters: queue messages that failed every attempt, kept per app with their payload, the last
 * error and the attempts made, until replayed (sent again as a new message) or too old.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, DeadLettersTable, JsonValue } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { isUuid } from '../ids.js';
import type { ExecutionError } from '../logs/execution-record.js';
import { decodeCursor, PAGE_LIMITS, type Page, type PageQuery, toPage } from '../pagination.js';

type Db = Kysely<Database> | Transaction<Database>;

/** How long dead letters are kept, in days. */
export const DEAD_LETTER_RETENTION_DAYS = 30;

/** A dead letter as lists show it (without its payload). */
export interface DeadLetterSummary {
  /** The failed message's id. */
  id: string;
  app_id: string;
  queue: string;
  /** The last attempt's error. */
  error: ExecutionError;
  attempts: number;
  first_failed_at: string;
  last_failed_at: string;
  replayed_at: string | null;
  /** The message a replay sent. */
  replay_message_id: string | null;
}

/** A dead letter with its payload. */
export interface DeadLetterView extends DeadLetterSummary {
  payload: JsonValue | null;
}

/** What the consumer records when a message fails its last attempt. */
export interface DeadLetterEntry {
  id: string;
  appId: string;
  queue: string;
  payload: JsonValue | null;
  error: ExecutionError;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

type Row = Selectable<DeadLettersTable>;

function summary(row: Row): DeadLetterSummary {
  return {
    id: row.id,
    app_id: row.app_id,
    queue: row.queue,
    error: row.error as unknown as ExecutionError,
    attempts: row.attempts,
    first_failed_at: row.first_failed_at.toISOString(),
    last_failed_at: row.last_failed_at.toISOString(),
    replayed_at: row.replayed_at?.toISOString() ?? null,
    replay_message_id: row.replay_message_id,
  };
}

/** Records a dead letter; recording the same message twice keeps the first. */
export async function recordDeadLetter(db: Db, entry: DeadLetterEntry): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      id: entry.id,
      app_id: entry.appId,
      queue: entry.queue,
      payload: entry.payload === null ? null : JSON.stringify(entry.payload),
      error: JSON.stringify(entry.error),
      attempts: entry.attempts,
      first_failed_at: entry.firstFailedAt,
      last_failed_at: entry.lastFailedAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The dead letters of an app (optionally of one queue), most recent failure first. */
export async function listDeadLetters(
  db: Db,
  appId: string,
  filter: { queue?: string },
  query: PageQuery,
): Promise<Page<DeadLetterSummary>> {
  const limit = query.limit ?? PAGE_LIMITS.default;
  let select = db
    .selectFrom('dead_letters')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('last_failed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (filter.queue !== undefined) select = select.where('queue', '=', filter.queue);
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor, 2);
    const when = new Date(String(at));
    if (Number.isNaN(when.getTime()) || !isUuid(String(id)))
      throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
    select = select.where((eb) =>
      eb.or([
        eb('last_failed_at', '<', when),
        eb.and([eb('last_failed_at', '=', when), eb('id', '<', String(id))]),
      ]),
    );
  }
  return toPage(await select.execute(), limit, (row) => [row.last_failed_at.toISOString(), row.id], summary);
}

/** One dead letter of an app, locked for update inside a transaction when `lock`. */
export async function requireDeadLetter(db: Db, appId: string, id: string, lock = false): Promise<Row> {
  let select = db.selectFrom('dead_letters').selectAll().where('app_id', '=', appId).where('id', '=', id);
  if (lock) select = select.forUpdate();
  const row = isUuid(id) ? await select.executeTakeFirst() : undefined;
  if (!row) throw new PicloudError('PICLOUD_ERR_DEAD_LETTER_NOT_FOUND', `The app has no dead letter ${id}`);
  return row;
}

/** One dead letter with its payload. */
export async function getDeadLetter(db: Db, appId: string, id: string): Promise<DeadLetterView> {
  const row = await requireDeadLetter(db, appId, id);
  return { ...summary(row), payload: row.payload };
}

/** Marks a dead letter replayed as `messageId`. */
export async function markReplayed(db: Db, id: string, messageId: string): Promise<Row> {
  return db
    .updateTable('dead_letters')
    .set({ replayed_at: new Date(), replay_message_id: messageId })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The view of a row. */
export function deadLetterView(row: Row): DeadLetterView {
  return { ...summary(row), payload: row.payload };
}
