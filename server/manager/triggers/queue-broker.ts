/**
 * The owner of pg-boss: PiCloud's queues are pg-boss queues in its own schema (`pgboss`), one per app
 * and queue name (`picloud.<app id>.<queue>`). pg-boss stores the messages, hands each to one consumer
 * (SELECT … FOR UPDATE SKIP LOCKED, so several processes never take the same message), counts the
 * attempts and schedules retries with exponential back-off; this class is the only code that talks to
 * it.
 *
 * pg-boss runs over the manager's own connection pool (through Kysely) and is started lazily, the
 * first time a queue is used: an appliance without queue triggers never installs its schema nor runs
 * any of its work. Its own timers are all off (`supervise`, `schedule`): the consumer calls
 * {@link QueueBroker.maintain} while queue triggers exist, and polls with {@link QueueBroker.fetch}
 * rather than pg-boss's `work()` (whose completion calls are not awaited: a database blip at that
 * moment would be an unhandled rejection, which ends the process).
 */
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type { Database, JsonValue } from '../../db/schema.js';

/** The schema pg-boss creates and owns. */
export const PGBOSS_SCHEMA = 'pgboss';

/** The prefix of PiCloud's pg-boss queue names. */
const PREFIX = 'picloud.';

/**
 * Advisory lock that serialises changes to pg-boss's schema across processes (appliances sharing a
 * database, the nodes of a cluster on the primary's PostgreSQL):
 * - installing or migrating it: pg-boss's installer locks only inside its own transaction, after it
 *   has decided to install, so two processes that both found no schema both run the installer, and
 *   the later one can fail on objects the first just created (seen as a duplicate `pgboss` schema).
 *   Held around the whole start, the check runs again once the first process has committed, and
 *   finds the schema installed.
 * - creating and dropping queues: two processes creating the same queue at once deadlock inside
 *   pg-boss's `create_queue` (each adds a foreign key to the queue table the other is inserting into).
 */
export const QUEUE_DDL_LOCK_KEY = 0x7067626f7373; // "pgboss" in ASCII

/**
 * How long a message may stay active before pg-boss counts the attempt as failed: longer than any
 * run (the executor stops scripts at their deadline, at most PICLOUD_SCRIPT_TIMEOUT_MS = 600 s), so it
 * only matters when the process running the message died — its message is retried after this.
 */
export const MESSAGE_EXPIRE_SECONDS = 900;

/** The pg-boss queue of an app's queue. */
export function bossQueueName(appId: string, queue: string): string {
  return `${PREFIX}${appId}.${queue}`;
}

/** What PiCloud stores in a message (pg-boss's `data`). */
export interface MessageData {
  /** The app (also in the queue name; kept here so failed messages are self-describing). */
  app: string;
  queue: string;
  /** The JSON payload (`ctx.body` of the consumer). */
  payload: JsonValue | null;
}

/** A message as a consumer receives it. */
export interface QueueMessage {
  id: string;
  data: MessageData;
  /** Attempts already made before this one (0 on the first delivery). */
  retryCount: number;
  /** Retries allowed after the first attempt. */
  retryLimit: number;
  /** What the previous failed attempt stored (see {@link QueueBroker.fail}), if any. */
  output: Record<string, unknown> | null;
}

/** Attempts and back-off of the messages sent to a queue. */
export interface RetryPolicy {
  maxAttempts: number;
  backoffSeconds: number;
}

type Db = Kysely<Database>;

/** pg-boss's database interface over a Kysely instance or transaction. */
function bossDb(db: Db | Transaction<Database>, inTransaction: boolean): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const query = CompiledQuery.raw(text, values ?? []);
      if (inTransaction) return db.executeQuery(query);
      return (db as Db).connection().execute(async (connection) => {
        try {
          return await connection.executeQuery(query);
        } catch (error) {
          // pg-boss's installer and maintenance run "BEGIN; …; COMMIT" as one string: a failure in
          // the middle would leave the pooled connection inside an aborted transaction.
          if (/\bBEGIN\b/.test(text)) {
            await connection.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => undefined);
          }
          throw error;
        }
      });
    },
  };
}

/** PiCloud's queues, stored by pg-boss. */
export class QueueBroker {
  readonly #db: Db;
  readonly #onError: (error: Error) => void;
  #boss: PgBoss;
  #started: Promise<PgBoss> | null = null;
  #ready = false;
  /** This process's changes to pg-boss's schema, one after the other. */
  #ddlChain: Promise<unknown> = Promise.resolve();

  constructor(db: Db, onError: (error: Error) => void = () => undefined) {
    this.#db = db;
    this.#onError = onError;
    this.#boss = this.#createBoss();
  }

  #createBoss(): PgBoss {
    const boss = new PgBoss({
      db: bossDb(this.#db, false),
      schema: PGBOSS_SCHEMA,
      // No timers of pg-boss's own: PiCloud maintains and polls only while queue triggers exist.
      supervise: false,
      schedule: false,
      migrate: true,
    });
    boss.on('error', this.#onError);
    return boss;
  }

  /**
   * Installs or migrates pg-boss's schema on first use (concurrent callers share one attempt), under
   * {@link QUEUE_DDL_LOCK_KEY} so that processes starting at once install it once.
   */
  start(): Promise<PgBoss> {
    this.#started ??= this.#schemaChange(() => this.#boss.start()).then(
      () => {
        this.#ready = true;
        return this.#boss;
      },
      (error: unknown) => {
        // Retried by the next use, with a new pg-boss: one whose start failed stays "starting" and
        // would never install its schema.
        this.#started = null;
        this.#boss = this.#createBoss();
        throw error;
      },
    );
    return this.#started;
  }

  /**
   * Sends a message; resolves with its id. `trx`: send as part of that transaction (the message
   * exists only if it commits).
   */
  async send(
    appId: string,
    queue: string,
    payload: JsonValue | null,
    policy: RetryPolicy,
    trx?: Transaction<Database>,
  ): Promise<string> {
    const boss = await this.start();
    const name = bossQueueName(appId, queue);
    const data: MessageData = { app: appId, queue, payload };
    const options: PgBoss.SendOptions = {
      retryLimit: policy.maxAttempts - 1,
      retryDelay: policy.backoffSeconds,
      retryBackoff: true,
      expireInSeconds: MESSAGE_EXPIRE_SECONDS,
      ...(trx ? { db: bossDb(trx, true) } : {}),
    };
    let id = await boss.send(name, data, options);
    if (id === null) {
      // pg-boss inserts only into queues it knows (one partition each): create it on first use.
      await this.#schemaChange(() => boss.createQueue(name));
      id = await boss.send(name, data, options);
    }
    if (id === null) throw new Error(`pg-boss refused a message for ${name}`);
    return id;
  }

  /** The next message of a queue that is due, marked active for this consumer; null when none is. */
  async fetch(appId: string, queue: string): Promise<QueueMessage | null> {
    const boss = await this.start();
    const [job] = await boss.fetch<MessageData>(bossQueueName(appId, queue), {
      includeMetadata: true,
      batchSize: 1,
    });
    if (!job) return null;
    return {
      id: job.id,
      data: job.data,
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      output: (job.output as Record<string, unknown> | null) ?? null,
    };
  }

  /** Marks a message done. */
  async complete(appId: string, queue: string, id: string): Promise<void> {
    await (await this.start()).complete(bossQueueName(appId, queue), id);
  }

  /**
   * Records a failed attempt: pg-boss schedules the retry (after `backoff * 2^(n-1)` to twice that,
   * for retry n) or, after the last attempt, marks the message failed. `output` is kept with the
   * message and handed to the next attempt.
   */
  async fail(appId: string, queue: string, id: string, output: Record<string, unknown>): Promise<void> {
    await (await this.start()).fail(bossQueueName(appId, queue), id, output);
  }

  /** When a message that failed will be retried; null when it will not be (or is gone). */
  async retryAt(appId: string, queue: string, id: string): Promise<Date | null> {
    const job = await (await this.start()).getJobById(bossQueueName(appId, queue), id);
    return job?.state === 'retry' ? new Date(job.startAfter) : null;
  }

  /** Deletes a queue with its pending messages (its trigger is gone). */
  async deleteQueue(appId: string, queue: string): Promise<void> {
    if (!this.#ready && !(await this.installed())) return;
    const boss = await this.start();
    await this.#schemaChange(() => boss.deleteQueue(bossQueueName(appId, queue)));
  }

  /**
   * Runs a change to pg-boss's schema (its start, a queue creation or deletion) while holding
   * {@link QUEUE_DDL_LOCK_KEY}. In-process they queue up first, so waiting for the lock never takes
   * more than one pooled connection.
   */
  #schemaChange(ddl: () => Promise<unknown>): Promise<void> {
    const run = this.#ddlChain.then(() =>
      // A session lock on a connection of its own: pg-boss runs `ddl` on another pooled connection.
      this.#db.connection().execute(async (connection) => {
        await sql`SELECT pg_advisory_lock(${QUEUE_DDL_LOCK_KEY})`.execute(connection);
        try {
          await ddl();
        } finally {
          await sql`SELECT pg_advisory_unlock(${QUEUE_DDL_LOCK_KEY})`.execute(connection);
        }
      }),
    );
    this.#ddlChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Which of `queues` (`[appId, queue]` pairs) have a message due: one query for all of them, so
   * polling costs the same however many queues there are.
   */
  async dueQueues(queues: readonly (readonly [string, string])[]): Promise<Set<string>> {
    if (queues.length === 0) return new Set();
    await this.start();
    const names = queues.map(([appId, queue]) => bossQueueName(appId, queue));
    const { rows } = await sql<{ name: string }>`
      SELECT DISTINCT name FROM ${sql.table(`${PGBOSS_SCHEMA}.job`)}
       WHERE name = ANY(${names}::text[]) AND state < 'active' AND start_after < now()`.execute(this.#db);
    return new Set(rows.map((row) => row.name));
  }

  /**
   * pg-boss's upkeep — fail messages whose consumer died (after {@link MESSAGE_EXPIRE_SECONDS}),
   * archive finished ones, drop old archives — then PiCloud's: a message that failed for good without
   * becoming a dead letter (its last attempt expired, or the dead letter could not be written) becomes
   * one now, dead letters older than `deadLetterDays` go, and the queues of deleted apps are dropped.
   */
  async maintain(deadLetterDays: number): Promise<void> {
    const boss = await this.start();
    await boss.maintain();
    const job = sql.table(`${PGBOSS_SCHEMA}.job`);
    await sql`
      INSERT INTO dead_letters (id, app_id, queue, payload, error, attempts, first_failed_at, last_failed_at)
      SELECT j.id, a.id, j.data->>'queue', NULLIF(j.data->'payload', 'null'::jsonb),
             CASE WHEN j.output ? 'code' THEN j.output - 'first_failed_at'
                  ELSE jsonb_build_object('code', 'PICLOUD_ERR_INTERNAL', 'message',
                         ${`The run did not report back within ${MESSAGE_EXPIRE_SECONDS} s (its PiCloud process stopped?)`}::text)
             END,
             j.retry_count + 1,
             COALESCE((j.output->>'first_failed_at')::timestamptz, j.completed_on, now()),
             -- Milliseconds, like the times JavaScript writes: list cursors compare them exactly.
             date_trunc('milliseconds', COALESCE(j.completed_on, now()))
        FROM ${job} j JOIN apps a ON a.id::text = j.data->>'app'
       WHERE j.name LIKE ${`${PREFIX}%`} AND j.state = 'failed'
      ON CONFLICT (id) DO NOTHING`.execute(this.#db);
    await sql`DELETE FROM dead_letters WHERE last_failed_at < now() - make_interval(days => ${deadLetterDays})`.execute(
      this.#db,
    );
    const { rows: orphans } = await sql<{ name: string }>`
      SELECT q.name FROM ${sql.table(`${PGBOSS_SCHEMA}.queue`)} q
       WHERE q.name ~ '^picloud\\.[0-9a-f-]{36}\\.'
         AND NOT EXISTS (SELECT 1 FROM apps a WHERE a.id::text = split_part(q.name, '.', 2))`.execute(
      this.#db,
    );
    for (const { name } of orphans) await this.#schemaChange(() => boss.deleteQueue(name));
  }

  /** Whether pg-boss's schema exists (without installing it). */
  private async installed(): Promise<boolean> {
    const { rows } = await sql<{
      name: string | null;
    }>`SELECT to_regclass(${`${PGBOSS_SCHEMA}.queue`}) AS name`.execute(this.#db);
    return rows[0]?.name !== null;
  }

  /** Stops pg-boss (it holds no connections of its own: the pool stays the manager's). */
  async stop(): Promise<void> {
    if (this.#ready) await this.#boss.stop({ graceful: false, close: false });
  }
}
