/**
 * Cron and queue triggers, assembled: the operations of the admin API that need the queues (sending a
 * message, replaying a dead letter, dropping the queue of a deleted trigger), the `queue` script
 * service (`queue::send`), and — once the appliance starts it with a runner — the scheduler of this
 * process: cron timers and queue consumers that follow trigger changes through the change channel.
 *
 * Nothing runs until a trigger exists: with no trigger configured there is no timer and no polling,
 * and pg-boss's schema is installed only when a queue is first used.
 */

import type { Kysely, Transaction } from 'kysely';
import type { Change } from '../../contracts/changes.js';
import { ChangeSubscription } from '../../db/change-subscription.js';
import type { Database, JsonValue } from '../../db/schema.js';
import { unstorable } from '../../db/storable.js';
import { PicloudError } from '../../errors/catalogue.js';
import { writeStatement, writeTransaction } from '../change-feed.js';
import {
  SERVICE_REASONS,
  ServiceError,
  type ServiceHandler,
  serviceOps,
} from '../services/script-services.js';
import { CronScheduler, type CronTriggerEntry } from './cron-scheduler.js';
import { type DeadLetterView, deadLetterView, markReplayed, requireDeadLetter } from './dead-letter-store.js';
import { QueueBroker, type RetryPolicy } from './queue-broker.js';
import { QueueConsumer, type QueueTriggerEntry } from './queue-consumer.js';
import type { TriggerRunner } from './trigger-runner.js';
import { findQueueTrigger, MAX_PAYLOAD_BYTES, QUEUE_NAME, type TriggerRow } from './trigger-store.js';

export { MAX_PAYLOAD_BYTES } from './trigger-store.js';

/** Defaults of the running scheduler. */
export const SCHEDULER_DEFAULTS = {
  /** How often queues with a consumer are asked for due messages. */
  pollMs: 2_000,
  /** How often pg-boss and the dead letters are maintained while queue triggers exist. */
  maintenanceMs: 120_000,
} as const;

/** What the appliance gives the scheduler when it starts it. */
export interface SchedulerStart {
  /** For the dedicated LISTEN connection. */
  connectionString: string;
  /** Runs a script for a trigger (the orchestrator's). */
  run: TriggerRunner;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Queue poll interval, ms (default 2000). */
  pollMs?: number;
  /** Maintenance interval, ms (default 120000). */
  maintenanceMs?: number;
}

/** A message accepted for a queue. */
export interface SentMessage {
  message_id: string;
  queue: string;
}

/** Topics that can change which triggers run: triggers themselves, scripts (kind, deletion), apps (deletion). */
const RELEVANT_TOPICS = new Set<Change['topic']>(['triggers', 'scripts', 'apps']);

function policyOf(trigger: TriggerRow): RetryPolicy {
  return { maxAttempts: trigger.max_attempts, backoffSeconds: trigger.backoff_seconds };
}

/** Triggers of the appliance: queue operations for the API and scripts, and this process's scheduler. */
export class TriggerService {
  /** The pg-boss owner. */
  readonly broker: QueueBroker;
  /** Answers scripts' `queue::send(name, payload)` (registered as the `queue` script service). */
  readonly queueService: ServiceHandler;
  readonly #db: Kysely<Database>;
  #log: NonNullable<SchedulerStart['log']> = () => undefined;
  #cron: CronScheduler | null = null;
  #consumer: QueueConsumer | null = null;
  #subscription: ChangeSubscription | null = null;
  #dirty = false;
  #reloading: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.broker = new QueueBroker(db, (error) => this.#log('error', `pg-boss: ${error.message}`));
    this.queueService = serviceOps('queue', {
      send: ({ appId, args }) => this.#sendFromScript(appId, args),
    });
  }

  /**
   * Sends `payload` to an app's queue, which a queue trigger must consume (a queue exists while its
   * trigger does); resolves with the message id.
   */
  async sendMessage(appId: string, queue: string, payload: unknown): Promise<SentMessage> {
    if (!QUEUE_NAME.test(queue)) {
      throw new PicloudError('PICLOUD_ERR_QUEUE_NOT_FOUND', `"${queue.slice(0, 80)}" is not a queue name`);
    }
    const json = JSON.stringify(payload ?? null);
    if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) {
      throw new PicloudError(
        'PICLOUD_ERR_QUEUE_PAYLOAD_TOO_LARGE',
        `The payload is ${Buffer.byteLength(json)} bytes of JSON; a message holds at most ${MAX_PAYLOAD_BYTES}`,
      );
    }
    const trigger = await findQueueTrigger(this.#db, appId, queue);
    if (!trigger) {
      throw new PicloudError(
        'PICLOUD_ERR_QUEUE_NOT_FOUND',
        `No trigger of the app consumes the queue "${queue}": add a queue trigger for it first`,
      );
    }
    // Sent from the admin API, the message commits with the request's audit entry.
    const id = await writeStatement(this.#db, (writer) =>
      this.broker.send(
        appId,
        queue,
        JSON.parse(json) as JsonValue | null,
        policyOf(trigger),
        writer.isTransaction ? (writer as Transaction<Database>) : undefined,
      ),
    );
    this.#consumer?.wake(appId, queue);
    return { message_id: id, queue };
  }

  async #sendFromScript(appId: string, args: unknown[]): Promise<string> {
    const [queue, payload] = args;
    if (args.length !== 2) {
      throw new ServiceError(SERVICE_REASONS.BAD_ARGUMENTS, 'queue::send takes a queue name and a payload');
    }
    if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
      throw new ServiceError(
        'QUEUE_INVALID',
        'the queue name has letters, digits, "_", "." and "-" (at most 64)',
      );
    }
    if (unstorable(payload) !== null) {
      throw new ServiceError(
        'QUEUE_INVALID_PAYLOAD',
        'queue::send: the payload holds U+0000 or a lone surrogate, which a message cannot store',
      );
    }
    try {
      return (await this.sendMessage(appId, queue, payload)).message_id;
    } catch (error) {
      // The API's message names the queue; the script's says which one without repeating it.
      if (error instanceof PicloudError && error.code === 'PICLOUD_ERR_QUEUE_NOT_FOUND') {
        throw new ServiceError(
          'QUEUE_NOT_FOUND',
          'no trigger of the app consumes this queue: add a queue trigger for it first',
        );
      }
      if (error instanceof PicloudError && error.code === 'PICLOUD_ERR_QUEUE_PAYLOAD_TOO_LARGE') {
        throw new ServiceError('QUEUE_PAYLOAD_TOO_LARGE', error.message);
      }
      // The database or pg-boss failed: logged here, the script learns only that it may retry.
      this.#log('error', `queue::send to "${queue}" of app ${appId} failed: ${(error as Error).message}`);
      throw new ServiceError('QUEUE_FAILED', 'the message could not be stored (see the appliance log)');
    }
  }

  /**
   * Sends a dead letter's payload again as a new message of its queue (once: a replayed dead letter
   * is refused). The message and the mark commit together.
   */
  async replayDeadLetter(appId: string, id: string): Promise<SentMessage & { dead_letter: DeadLetterView }> {
    const { messageId, row } = await writeTransaction(this.#db, async (trx) => {
      const letter = await requireDeadLetter(trx, appId, id, true);
      if (letter.replayed_at !== null) {
        throw new PicloudError(
          'PICLOUD_ERR_DEAD_LETTER_REPLAYED',
          `Dead letter ${id} was replayed at ${letter.replayed_at.toISOString()}`,
          { replay_message_id: letter.replay_message_id },
        );
      }
      const trigger = await findQueueTrigger(trx, appId, letter.queue);
      if (!trigger) {
        throw new PicloudError(
          'PICLOUD_ERR_QUEUE_NOT_FOUND',
          `No trigger of the app consumes the queue "${letter.queue}" any more: add one to replay`,
        );
      }
      const messageId = await this.broker.send(appId, letter.queue, letter.payload, policyOf(trigger), trx);
      return { messageId, row: await markReplayed(trx, letter.id, messageId) };
    });
    this.#consumer?.wake(appId, row.queue);
    return { message_id: messageId, queue: row.queue, dead_letter: deadLetterView(row) };
  }

  /**
   * After a trigger was changed or deleted (committed), with the queue it consumes now (null once
   * deleted): a queue no trigger consumes any more is dropped with its pending messages. Failures are
   * logged; the queue then merely stays unused.
   */
  async afterTriggerChange(before: TriggerRow, queueNow: string | null): Promise<void> {
    if (before.kind !== 'queue' || before.queue === null || queueNow === before.queue) return;
    try {
      await this.broker.deleteQueue(before.app_id, before.queue);
    } catch (error) {
      this.#log(
        'warn',
        `queue ${before.queue} of app ${before.app_id} not dropped: ${(error as Error).message}`,
      );
    }
  }

  /** Starts this process's scheduler: LISTEN for changes, then load the triggers. */
  async start(deps: SchedulerStart): Promise<void> {
    const log = deps.log ?? (() => undefined);
    this.#log = log;
    this.#cron = new CronScheduler({ db: this.#db, run: deps.run, log });
    this.#consumer = new QueueConsumer({
      db: this.#db,
      broker: this.broker,
      run: deps.run,
      pollMs: deps.pollMs ?? SCHEDULER_DEFAULTS.pollMs,
      maintenanceMs: deps.maintenanceMs ?? SCHEDULER_DEFAULTS.maintenanceMs,
      log,
    });
    this.#subscription = new ChangeSubscription(
      'trigger change listener',
      deps.connectionString,
      (change) => this.#onChange(change),
      log,
    );
    await this.#subscription.start();
    this.#onChange(null);
    await this.settled();
  }

  /** Resolves once no reload of the triggers is pending. */
  async settled(): Promise<void> {
    while (this.#reloading) await this.#reloading;
  }

  /** When each cron trigger of this process fires next (diagnostics, tests). */
  get nextFires(): Map<string, Date> {
    return this.#cron?.nextFires ?? new Map();
  }

  /** The pg-boss queues this process consumes (diagnostics, tests). */
  get consumedQueues(): string[] {
    return this.#consumer?.queues ?? [];
  }

  /** Stops the scheduler (waiting for runs in progress) and pg-boss; safe to call more than once. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#subscription?.close();
      await this.settled();
      await this.#cron?.stop();
      await this.#consumer?.stop();
      await this.broker.stop();
    })();
    return this.#stopping;
  }

  #onChange(change: Change | null): void {
    if (this.#stopping || (change && !RELEVANT_TOPICS.has(change.topic))) return;
    this.#dirty = true;
    this.#reloading ??= this.#reloadWhileDirty();
  }

  async #reloadWhileDirty(): Promise<void> {
    try {
      while (this.#dirty && !this.#stopping) {
        this.#dirty = false;
        await this.#reload();
      }
    } catch (error) {
      this.#log('warn', `trigger reload failed: ${(error as Error).message}`);
    } finally {
      this.#reloading = null;
    }
  }

  /** Loads the enabled triggers of endpoint scripts and hands them to the cron scheduler and consumers. */
  async #reload(): Promise<void> {
    const rows = await this.#db
      .selectFrom('triggers')
      .innerJoin('scripts', 'scripts.id', 'triggers.script_id')
      .select([
        'triggers.id',
        'triggers.app_id',
        'triggers.script_id',
        'triggers.kind',
        'triggers.schedule',
        'triggers.timezone',
        'triggers.queue',
      ])
      .where('triggers.enabled', '=', true)
      .where('scripts.kind', '=', 'endpoint')
      .execute();
    const cron: CronTriggerEntry[] = [];
    const queues: QueueTriggerEntry[] = [];
    for (const row of rows) {
      const base = { triggerId: row.id, appId: row.app_id, scriptId: row.script_id };
      if (row.kind === 'cron' && row.schedule !== null && row.timezone !== null) {
        cron.push({ ...base, schedule: row.schedule, timezone: row.timezone });
      } else if (row.kind === 'queue' && row.queue !== null) {
        queues.push({ ...base, queue: row.queue });
      }
    }
    this.#cron?.set(cron);
    this.#consumer?.set(queues);
  }
}
