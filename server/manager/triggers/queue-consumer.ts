/**
 * Runs the consumer script of each queue that has an enabled queue trigger. One poll timer serves all
 * queues (a single query asks which have a message due) and exists only while at least one queue
 * trigger does; a message sent from this process wakes its queue at once, and a failed message wakes
 * it again when its back-off ends. The messages of one queue run one at a time in each process, oldest
 * first; pg-boss gives each message to one process only.
 *
 * A run that fails (any error result) is a failed attempt: pg-boss retries it with exponential
 * back-off until the trigger's max_attempts, after which the message becomes a dead letter.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { DEAD_LETTER_RETENTION_DAYS, recordDeadLetter } from './dead-letter-store.js';
import { bossQueueName, type QueueBroker, type QueueMessage } from './queue-broker.js';
import type { TriggerRunner } from './trigger-runner.js';

/** How long after a retry's due time its queue is woken (the database's clock decides; ms). */
const RETRY_WAKE_MARGIN_MS = 50;

/** An enabled queue trigger. */
export interface QueueTriggerEntry {
  triggerId: string;
  appId: string;
  scriptId: string;
  queue: string;
}

/** What the consumer needs. */
export interface QueueConsumerOptions {
  db: Kysely<Database>;
  broker: QueueBroker;
  run: TriggerRunner;
  /** How often queues are asked for due messages (ms). */
  pollMs: number;
  /** How often pg-boss and the dead letters are maintained (ms). */
  maintenanceMs: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The queue consumers of one process. */
export class QueueConsumer {
  readonly #options: QueueConsumerOptions;
  /** By pg-boss queue name. */
  #entries = new Map<string, QueueTriggerEntry>();
  /** Queues being drained, by pg-boss queue name. */
  readonly #draining = new Map<string, Promise<void>>();
  #pollTimer: NodeJS.Timeout | null = null;
  /** One-shot wake-ups at the time a failed message is retried. */
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #maintenanceTimer: NodeJS.Timeout | null = null;
  #polling = false;
  #closed = false;

  constructor(options: QueueConsumerOptions) {
    this.#options = options;
  }

  /** The queues currently consumed (pg-boss names), for tests. */
  get queues(): string[] {
    return [...this.#entries.keys()];
  }

  /** Replaces the set of consumed queues; starts or stops the timers accordingly. */
  set(entries: readonly QueueTriggerEntry[]): void {
    if (this.#closed) return;
    this.#entries = new Map(entries.map((entry) => [bossQueueName(entry.appId, entry.queue), entry]));
    if (this.#entries.size === 0) {
      this.#clearTimers();
      return;
    }
    if (!this.#pollTimer) {
      this.#pollTimer = setInterval(() => void this.#poll(), this.#options.pollMs).unref();
      this.#maintenanceTimer = setInterval(() => void this.#maintain(), this.#options.maintenanceMs).unref();
    }
    void this.#poll(); // messages may be waiting already
  }

  /** A message was just sent to this queue: run it now if this process consumes the queue. */
  wake(appId: string, queue: string): void {
    const name = bossQueueName(appId, queue);
    if (this.#entries.has(name)) this.#drain(name);
  }

  /** Stops polling and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#clearTimers();
    this.#entries = new Map();
    await Promise.all(this.#draining.values());
  }

  #clearTimers(): void {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    if (this.#maintenanceTimer) clearInterval(this.#maintenanceTimer);
    this.#pollTimer = null;
    this.#maintenanceTimer = null;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      const idle = [...this.#entries]
        .filter(([name]) => !this.#draining.has(name))
        .map(([, entry]) => [entry.appId, entry.queue] as const);
      for (const name of await this.#options.broker.dueQueues(idle)) this.#drain(name);
    } catch (error) {
      this.#options.log('warn', `queue poll failed: ${(error as Error).message}`);
    } finally {
      this.#polling = false;
    }
  }

  async #maintain(): Promise<void> {
    try {
      await this.#options.broker.maintain(DEAD_LETTER_RETENTION_DAYS);
    } catch (error) {
      this.#options.log('warn', `queue maintenance failed: ${(error as Error).message}`);
    }
  }

  /** Runs the queue's due messages one after the other, unless that is under way already. */
  #drain(name: string): void {
    if (this.#draining.has(name) || this.#closed) return;
    const drained = (async () => {
      for (;;) {
        const entry = this.#entries.get(name);
        if (!entry || this.#closed) return;
        const message = await this.#options.broker.fetch(entry.appId, entry.queue);
        if (!message) return;
        await this.#handle(entry, message);
      }
    })()
      .catch((error: Error) => this.#options.log('warn', `queue ${name}: ${error.message}`))
      .finally(() => this.#draining.delete(name));
    this.#draining.set(name, drained);
  }

  async #handle(entry: QueueTriggerEntry, message: QueueMessage): Promise<void> {
    const { broker, db, run, log } = this.#options;
    const attempt = message.retryCount + 1;
    const outcome = await run(
      entry.appId,
      entry.scriptId,
      { kind: 'queue', queue: entry.queue, message_id: message.id, attempt },
      message.data.payload,
    );
    if (outcome.ok) {
      await broker.complete(entry.appId, entry.queue, message.id);
      return;
    }
    const now = new Date();
    const previous = message.output?.first_failed_at;
    const firstFailedAt = typeof previous === 'string' ? new Date(previous) : now;
    if (message.retryCount >= message.retryLimit) {
      try {
        await recordDeadLetter(db, {
          id: message.id,
          appId: entry.appId,
          queue: entry.queue,
          payload: message.data.payload,
          error: outcome.error,
          attempts: attempt,
          firstFailedAt,
          lastFailedAt: now,
        });
      } catch (error) {
        // The failed message stays in pg-boss; maintenance makes it a dead letter later.
        log('warn', `dead letter of message ${message.id} not recorded yet: ${(error as Error).message}`);
      }
    }
    // Kept with the message: the next attempt learns when the first one failed.
    await broker.fail(entry.appId, entry.queue, message.id, {
      ...outcome.error,
      first_failed_at: firstFailedAt.toISOString(),
    });
    if (message.retryCount < message.retryLimit) await this.#wakeForRetry(entry, message.id);
  }

  /** Wakes the queue when pg-boss's back-off for `id` ends, so a retry starts on time rather than at the next poll. */
  async #wakeForRetry(entry: QueueTriggerEntry, id: string): Promise<void> {
    const at = await this.#options.broker.retryAt(entry.appId, entry.queue, id);
    if (at === null || this.#closed) return;
    // A little after: the database's clock decides when the message is due.
    const timer = setTimeout(
      () => {
        this.#retryTimers.delete(timer);
        this.wake(entry.appId, entry.queue);
      },
      Math.max(at.getTime() - Date.now(), 0) + RETRY_WAKE_MARGIN_MS,
    ).unref();
    this.#retryTimers.add(timer);
  }
}
