/**
 * Fires the cron triggers of the appliance. The next fire time of each trigger comes from its
 * expression and zone (seconds included); ONE timer waits for the nearest, so a trigger fires within
 * milliseconds of its schedule, and no timer exists while no cron trigger does.
 *
 * Several PiCloud processes may share the database, each with its scheduler: a fire runs once because
 * the process that runs it first claims it — an UPDATE that moves the trigger's `last_fired_at`
 * forward to the fire time, which can succeed for one process only. Fires missed while no process
 * was running are not caught up; after a stall (a suspended machine) only the latest missed fire runs.
 * A trigger whose previous run is still going in this process skips the fire (another process may
 * take it).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type CronSchedule, parseCronSchedule } from './cron-schedule.js';
import type { TriggerRunner } from './trigger-runner.js';

/** An enabled cron trigger. */
export interface CronTriggerEntry {
  triggerId: string;
  appId: string;
  scriptId: string;
  schedule: string;
  timezone: string;
}

/** What the scheduler needs. */
export interface CronSchedulerOptions {
  db: Kysely<Database>;
  run: TriggerRunner;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The longest single wait: the clock is re-read at least this often (it may have been changed). */
const MAX_SLEEP_MS = 60_000;
/** After a stall, at most this many missed fire times are skipped over one by one. */
const MAX_SKIPPED = 1_000;

interface Armed {
  entry: CronTriggerEntry;
  schedule: CronSchedule;
  fires: Iterator<Date, never>;
  next: Date;
}

/** The cron scheduler of one process. */
export class CronScheduler {
  readonly #options: CronSchedulerOptions;
  #armed = new Map<string, Armed>();
  #timer: NodeJS.Timeout | null = null;
  /** Runs in progress, by trigger id. */
  readonly #running = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: CronSchedulerOptions) {
    this.#options = options;
  }

  /** When each trigger fires next (for tests and diagnostics). */
  get nextFires(): Map<string, Date> {
    return new Map([...this.#armed].map(([id, armed]) => [id, armed.next]));
  }

  /**
   * Replaces the set of cron triggers. A trigger whose schedule did not change keeps its next fire
   * time, so a change elsewhere never makes it skip a fire that is due.
   */
  set(entries: readonly CronTriggerEntry[]): void {
    if (this.#closed) return;
    const now = new Date();
    const armed = new Map<string, Armed>();
    for (const entry of entries) {
      const previous = this.#armed.get(entry.triggerId);
      if (
        previous &&
        previous.entry.schedule === entry.schedule &&
        previous.entry.timezone === entry.timezone
      ) {
        armed.set(entry.triggerId, { ...previous, entry });
        continue;
      }
      const schedule = parseCronSchedule(entry.schedule, entry.timezone);
      if ('error' in schedule) {
        // Validated on save; a zone this runtime no longer knows (an older time-zone database) lands here.
        this.#options.log('warn', `cron trigger ${entry.triggerId} cannot be scheduled: ${schedule.error}`);
        continue;
      }
      const fires = schedule.iterate(now);
      armed.set(entry.triggerId, { entry, schedule, fires, next: fires.next().value });
    }
    this.#armed = armed;
    this.#arm();
  }

  /** Cancels the timer and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#armed = new Map();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.all(this.#running.values());
  }

  /** (Re)sets the one timer for the nearest fire. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closed || this.#armed.size === 0) return;
    let soonest = Number.POSITIVE_INFINITY;
    for (const armed of this.#armed.values()) soonest = Math.min(soonest, armed.next.getTime());
    const delay = Math.min(Math.max(soonest - Date.now(), 1), MAX_SLEEP_MS);
    this.#timer = setTimeout(() => this.#onTimer(), delay).unref();
  }

  #onTimer(): void {
    this.#timer = null;
    const now = Date.now();
    for (const armed of this.#armed.values()) {
      if (armed.next.getTime() > now) continue;
      let due = armed.next;
      let next = armed.fires.next().value;
      for (let skipped = 0; next.getTime() <= now && skipped < MAX_SKIPPED; skipped += 1) {
        due = next;
        next = armed.fires.next().value;
      }
      if (next.getTime() <= now) {
        armed.fires = armed.schedule.iterate(new Date(now));
        next = armed.fires.next().value;
      }
      armed.next = next;
      this.#fire(armed.entry, due);
    }
    this.#arm();
  }

  #fire(entry: CronTriggerEntry, due: Date): void {
    const { log } = this.#options;
    if (this.#running.has(entry.triggerId)) {
      log(
        'warn',
        `cron trigger ${entry.triggerId}: the run of the previous fire is still going; skipped ${due.toISOString()}`,
      );
      return;
    }
    const run = this.#claimAndRun(entry, due)
      .catch((error: Error) => log('warn', `cron trigger ${entry.triggerId}: ${error.message}`))
      .finally(() => this.#running.delete(entry.triggerId));
    this.#running.set(entry.triggerId, run);
  }

  async #claimAndRun(entry: CronTriggerEntry, due: Date): Promise<void> {
    const { db, run } = this.#options;
    // Only the first process to get here moves last_fired_at to `due`; for the others the condition
    // fails once the winner commits. A changed schedule or a disabled trigger claims nothing.
    const claimed = await db
      .updateTable('triggers')
      .set({ last_fired_at: due })
      .where('id', '=', entry.triggerId)
      .where('enabled', '=', true)
      .where('schedule', '=', entry.schedule)
      .where('timezone', '=', entry.timezone)
      .where((eb) => eb.or([eb('last_fired_at', 'is', null), eb('last_fired_at', '<', due)]))
      .returning(['app_id', 'script_id'])
      .executeTakeFirst();
    if (!claimed) return;
    await run(
      claimed.app_id,
      claimed.script_id,
      { kind: 'cron', schedule: entry.schedule, timezone: entry.timezone, scheduled_at: due.toISOString() },
      null,
    );
  }
}
