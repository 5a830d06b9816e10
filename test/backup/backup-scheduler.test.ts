/**
 * Scheduled backups: exactly one timer, set to the next due time (nothing runs or polls in between);
 * a run re-arms for the next due time; a failed run is logged and the schedule goes on; a due time
 * beyond Node's longest timer is reached in steps; rotation keeps the newest scheduled backups only.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackupInfo } from '../../server/backup/backup-archive.js';
import { BackupScheduler } from '../../server/backup/backup-scheduler.js';
import { parseCronSchedule } from '../../server/manager/triggers/cron-schedule.js';

function schedule(expression: string) {
  const parsed = parseCronSchedule(expression, 'UTC');
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

const info = { name: 'b', size: 1, secrets: 'omitted' } as BackupInfo;

afterEach(() => {
  vi.useRealTimers();
});

describe('the backup scheduler', () => {
  it('keeps one timer, fires at the due time and re-arms for the next', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T02:59:00Z') });
    const create = vi.fn(async () => info);
    const logs: string[] = [];
    const scheduler = new BackupScheduler({
      service: { create },
      schedule: schedule('0 3 * * *'),
      passphraseFile: null,
      log: (_level, message) => logs.push(message),
    });
    scheduler.start();
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.nextAt?.toISOString()).toBe('2026-03-01T03:00:00.000Z');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(create).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(create).toHaveBeenCalledWith({ kind: 'scheduled', passphrase: null });
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.nextAt?.toISOString()).toBe('2026-03-02T03:00:00.000Z');
    expect(logs[0]).toMatch(/scheduled backup written: b/);
    await scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('logs a failed backup and keeps the schedule', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T02:59:59Z') });
    const create = vi.fn(async () => {
      throw new Error('Only 3 MiB free in /backups, below the floor of 1024 MiB');
    });
    const logs: string[] = [];
    const scheduler = new BackupScheduler({
      service: { create },
      schedule: schedule('0 3 * * *'),
      passphraseFile: '/nonexistent/passphrase',
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(logs).toEqual([
      expect.stringMatching(/^warn: scheduled backup: cannot read PICLOUD_BACKUP_PASSPHRASE_FILE/),
      'warn: scheduled backup failed: Only 3 MiB free in /backups, below the floor of 1024 MiB',
    ]);
    expect(scheduler.nextAt?.toISOString()).toBe('2026-03-02T03:00:00.000Z');
    await scheduler.stop();
  });

  it('reaches a due time beyond the longest timer in steps, without running early', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const create = vi.fn(async () => info);
    const scheduler = new BackupScheduler({
      service: { create },
      schedule: schedule('0 0 1 6 *'),
      passphraseFile: null,
      log: () => undefined,
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(create).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(Date.parse('2026-06-01T00:00:00Z') - Date.now());
    expect(create).toHaveBeenCalledTimes(1);
    await scheduler.stop();
  });
});
