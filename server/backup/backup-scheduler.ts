/**
 * Scheduled backups: one timer, set to the next due time of the schedule (a cron expression read in
 * the machine's time zone), re-armed after each run. Nothing polls between runs — the appliance is idle
 * until the timer fires. A due time beyond Node's longest timer (about 24.8 days) is reached in
 * steps: the timer wakes at the limit and re-arms for what is left. A backup that fails (a disk below
 * the free-space floor, a database hiccup) is logged and the next due time is armed as usual.
 */
import { readFileSync } from 'node:fs';
import type { CronSchedule } from '../manager/triggers/cron-schedule.js';
import type { BackupInfo } from './backup-archive.js';
import type { BackupService } from './backup-service.js';

/** Node's longest setTimeout delay (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the scheduler needs. */
export interface BackupSchedulerOptions {
  service: Pick<BackupService, 'create'>;
  schedule: CronSchedule;
  /** The file holding the passphrase that seals the secret files, or null (they are left out). */
  passphraseFile: string | null;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The clock (tests). */
  now?: () => Date;
}

/** Runs scheduled backups. */
export class BackupScheduler {
  #timer: NodeJS.Timeout | null = null;
  #next: Date | null = null;
  #running: Promise<BackupInfo | null> | null = null;
  #stopped = false;

  constructor(private readonly options: BackupSchedulerOptions) {}

  /** When the next scheduled backup is due (null once stopped). */
  get nextAt(): Date | null {
    return this.#next;
  }

  /** Arms the timer for the next due time. */
  start(): void {
    this.#stopped = false;
    this.#arm(this.options.schedule.nextAfter(this.#now()));
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  #arm(due: Date): void {
    if (this.#stopped) return;
    this.#next = due;
    const delay = Math.min(Math.max(0, due.getTime() - this.#now().getTime()), MAX_TIMER_MS);
    // The one timer of scheduled backups: it fires at the due time (or at Node's limit, to re-arm).
    this.#timer = setTimeout(() => this.#fire(due), delay);
    this.#timer.unref();
  }

  #fire(due: Date): void {
    this.#timer = null;
    if (this.#now() < due) {
      this.#arm(due);
      return;
    }
    this.#running = this.runNow().finally(() => {
      this.#running = null;
      this.#arm(this.options.schedule.nextAfter(this.#now()));
    });
  }

  /** Writes one scheduled backup now; resolves with it, or null when it failed (logged). */
  async runNow(): Promise<BackupInfo | null> {
    const { log } = this.options;
    let passphrase: string | null = null;
    if (this.options.passphraseFile) {
      try {
        passphrase = readFileSync(this.options.passphraseFile, 'utf8').split('\n')[0].replace(/\r$/, '');
      } catch (error) {
        log(
          'warn',
          `scheduled backup: cannot read PICLOUD_BACKUP_PASSPHRASE_FILE (${(error as Error).message}): the secret files are left out of this backup`,
        );
      }
    }
    try {
      const info = await this.options.service.create({ kind: 'scheduled', passphrase });
      log('info', `scheduled backup written: ${info.name} (${info.size} bytes, secrets ${info.secrets})`);
      return info;
    } catch (error) {
      log('warn', `scheduled backup failed: ${(error as Error).message}`);
      return null;
    }
  }

  /** Clears the timer and waits for a backup in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#next = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
