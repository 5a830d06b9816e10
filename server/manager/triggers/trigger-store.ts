/**
 * Triggers of an app: a cron schedule (an expression with an optional seconds field, read in an IANA
 * time zone) or a named queue, each running one endpoint script of the app. A queue has at most one
 * consumer per app. Every write announces `{topic: 'triggers'}` so each process's scheduler follows.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, TriggerKind, TriggersTable } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { announce, writeTransaction } from '../change-feed.js';
import { isUniqueViolation } from '../db-errors.js';
import { isUuid } from '../ids.js';
import { parseCronSchedule } from './cron-schedule.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A queue name: letters, digits, `_`, `.`, `-`; at most 64 characters (mirrors the table's check). */
export const QUEUE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Largest payload of a message, as JSON text in bytes. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Defaults and bounds of the retry policy of queue triggers (mirrors the table's checks). */
export const RETRY_POLICY = {
  maxAttempts: { default: 3, min: 1, max: 25 },
  backoffSeconds: { default: 10, min: 1, max: 3600 },
} as const;

/** The time zone of a cron trigger created without one. */
export const DEFAULT_TIMEZONE = 'UTC';

/** A trigger as the API shows it. */
export interface TriggerView {
  id: string;
  app_id: string;
  script_id: string;
  script_name: string;
  kind: TriggerKind;
  schedule: string | null;
  timezone: string | null;
  queue: string | null;
  max_attempts: number;
  backoff_seconds: number;
  enabled: boolean;
  /** cron, enabled: when it fires next. */
  next_fire_at: string | null;
  /** cron: the latest fire claimed. */
  last_fired_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Fields of a new trigger; `script` is an id or a name within the app. */
export interface TriggerInput {
  script: string;
  kind: TriggerKind;
  schedule?: string;
  timezone?: string;
  queue?: string;
  max_attempts?: number;
  backoff_seconds?: number;
  enabled?: boolean;
}

/** Changes to a trigger (its kind is fixed); unspecified fields keep their values. */
export type TriggerChanges = Partial<Omit<TriggerInput, 'kind'>>;

/** A trigger row. */
export type TriggerRow = Selectable<TriggersTable>;

function invalid(message: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_TRIGGER_INVALID', message);
}

function nextFire(row: TriggerRow, now: Date): string | null {
  if (row.kind !== 'cron' || !row.enabled || row.schedule === null || row.timezone === null) return null;
  const schedule = parseCronSchedule(row.schedule, row.timezone);
  return 'error' in schedule ? null : schedule.nextAfter(now).toISOString();
}

async function views(db: Db, rows: TriggerRow[]): Promise<TriggerView[]> {
  if (rows.length === 0) return [];
  const scripts = await db
    .selectFrom('scripts')
    .select(['id', 'name'])
    .where(
      'id',
      'in',
      rows.map((row) => row.script_id),
    )
    .execute();
  const names = new Map(scripts.map((script) => [script.id, script.name]));
  const now = new Date();
  return rows.map((row) => ({
    id: row.id,
    app_id: row.app_id,
    script_id: row.script_id,
    script_name: names.get(row.script_id) ?? '',
    kind: row.kind,
    schedule: row.schedule,
    timezone: row.timezone,
    queue: row.queue,
    max_attempts: row.max_attempts,
    backoff_seconds: row.backoff_seconds,
    enabled: row.enabled,
    next_fire_at: nextFire(row, now),
    last_fired_at: row.last_fired_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }));
}

/**
 * The stored fields of a trigger after checking `input` against its app (`exceptId`: the trigger being
 * changed, whose own queue name is not taken).
 */
async function validate(trx: Transaction<Database>, appId: string, input: TriggerInput, exceptId?: string) {
  const script = await trx
    .selectFrom('scripts')
    .select(['id', 'kind', 'name'])
    .where('app_id', '=', appId)
    .where(isUuid(input.script) ? 'id' : 'name', '=', input.script)
    // Held until commit: a concurrent save cannot make it a module under the new trigger.
    .forShare()
    .executeTakeFirst();
  if (!script)
    throw new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `The app has no script "${input.script}"`);
  if (script.kind !== 'endpoint') {
    throw invalid(`"${script.name}" is a module; triggers run endpoint scripts`);
  }
  const common = { script_id: script.id, enabled: input.enabled ?? true };

  if (input.kind === 'cron') {
    const stray = (['queue', 'max_attempts', 'backoff_seconds'] as const).filter(
      (f) => input[f] !== undefined,
    );
    if (stray.length > 0) {
      throw invalid(
        `A cron trigger has no ${stray.join(', ')}: a failed cron run is not retried, its next fire is the next attempt`,
      );
    }
    if (input.schedule === undefined) throw invalid('A cron trigger needs a schedule, e.g. "0 * * * *"');
    const schedule = parseCronSchedule(input.schedule, input.timezone ?? DEFAULT_TIMEZONE);
    if ('error' in schedule) throw invalid(schedule.error);
    return {
      ...common,
      schedule: schedule.expression,
      timezone: schedule.timezone,
      queue: null,
      max_attempts: 1,
      backoff_seconds: RETRY_POLICY.backoffSeconds.default,
    };
  }

  const stray = (['schedule', 'timezone'] as const).filter((f) => input[f] !== undefined);
  if (stray.length > 0) throw invalid(`A queue trigger has no ${stray.join(', ')}`);
  if (input.queue === undefined) throw invalid('A queue trigger needs the name of the queue it consumes');
  if (!QUEUE_NAME.test(input.queue)) {
    throw invalid(
      `Invalid queue name "${input.queue}": letters, digits, "_", "." and "-", at most 64, not starting with "." or "-"`,
    );
  }
  let others = trx
    .selectFrom('triggers')
    .select('id')
    .where('app_id', '=', appId)
    .where('queue', '=', input.queue);
  if (exceptId) others = others.where('id', '!=', exceptId);
  const other = await others.executeTakeFirst();
  if (other) throw queueTaken(input.queue, other.id);
  return {
    ...common,
    schedule: null,
    timezone: null,
    queue: input.queue,
    max_attempts: input.max_attempts ?? RETRY_POLICY.maxAttempts.default,
    backoff_seconds: input.backoff_seconds ?? RETRY_POLICY.backoffSeconds.default,
  };
}

function queueTaken(queue: string, triggerId?: string): PicloudError {
  return new PicloudError(
    'PICLOUD_ERR_TRIGGER_QUEUE_TAKEN',
    `Another trigger of the app consumes the queue "${queue}"`,
    triggerId ? { trigger: triggerId } : undefined,
  );
}

/** Runs `write`; a lost race on the (app, queue) constraint reads like the check's own answer. */
async function guarded<T>(queue: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (queue && isUniqueViolation(error, 'triggers_app_id_queue_key')) throw queueTaken(queue);
    throw error;
  }
}

/** The triggers of an app, by kind then creation. */
export async function listTriggers(db: Db, appId: string): Promise<TriggerView[]> {
  return views(
    db,
    await db
      .selectFrom('triggers')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('kind')
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  );
}

async function requireTrigger(db: Db, appId: string, id: string): Promise<TriggerRow> {
  const row = isUuid(id)
    ? await db
        .selectFrom('triggers')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new PicloudError('PICLOUD_ERR_TRIGGER_NOT_FOUND', `The app has no trigger ${id}`);
  return row;
}

/** One trigger. */
export async function getTrigger(db: Db, appId: string, id: string): Promise<TriggerView> {
  return (await views(db, [await requireTrigger(db, appId, id)]))[0];
}

/** The trigger of an app that consumes `queue`, if any. */
export async function findQueueTrigger(
  db: Db,
  appId: string,
  queue: string,
): Promise<TriggerRow | undefined> {
  return db
    .selectFrom('triggers')
    .selectAll()
    .where('app_id', '=', appId)
    .where('queue', '=', queue)
    .executeTakeFirst();
}

/** Adds a trigger. */
export async function createTrigger(
  db: Kysely<Database>,
  appId: string,
  input: TriggerInput,
): Promise<TriggerView> {
  return guarded(input.queue, () =>
    writeTransaction(db, async (trx) => {
      const fields = await validate(trx, appId, input);
      const row = await trx
        .insertInto('triggers')
        .values({ app_id: appId, kind: input.kind, ...fields })
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'triggers', app: appId });
      return (await views(trx, [row]))[0];
    }),
  );
}

/** Changes a trigger; returns it before and after (a renamed queue leaves the old one behind). */
export async function updateTrigger(
  db: Kysely<Database>,
  appId: string,
  id: string,
  changes: TriggerChanges,
): Promise<{ before: TriggerRow; after: TriggerView }> {
  return guarded(changes.queue, () =>
    writeTransaction(db, async (trx) => {
      const current = await requireTrigger(trx, appId, id);
      // Fields of the other kind stay absent so that validation names them when a change sends them.
      const merged: TriggerInput =
        current.kind === 'cron'
          ? {
              kind: 'cron',
              script: changes.script ?? current.script_id,
              schedule: changes.schedule ?? current.schedule ?? undefined,
              timezone: changes.timezone ?? current.timezone ?? undefined,
              queue: changes.queue,
              max_attempts: changes.max_attempts,
              backoff_seconds: changes.backoff_seconds,
              enabled: changes.enabled ?? current.enabled,
            }
          : {
              kind: 'queue',
              script: changes.script ?? current.script_id,
              queue: changes.queue ?? current.queue ?? undefined,
              schedule: changes.schedule,
              timezone: changes.timezone,
              max_attempts: changes.max_attempts ?? current.max_attempts,
              backoff_seconds: changes.backoff_seconds ?? current.backoff_seconds,
              enabled: changes.enabled ?? current.enabled,
            };
      const fields = await validate(trx, appId, merged, current.id);
      const row = await trx
        .updateTable('triggers')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'triggers', app: appId });
      return { before: current, after: (await views(trx, [row]))[0] };
    }),
  );
}

/** Deletes a trigger; returns the deleted row. */
export async function deleteTrigger(db: Kysely<Database>, appId: string, id: string): Promise<TriggerRow> {
  return writeTransaction(db, async (trx) => {
    const trigger = await requireTrigger(trx, appId, id);
    await trx.deleteFrom('triggers').where('id', '=', trigger.id).execute();
    await announce(trx, { topic: 'triggers', app: appId });
    return trigger;
  });
}
