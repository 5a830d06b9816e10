/**
 * Cron expressions read in a time zone, with an optional seconds field: parsing, validation with
 * messages a person can act on, and the next fire times. A thin layer over `cron-parser` (which
 * pg-boss depends on); it knows nothing about PiCloud.
 *
 * @example
 * const schedule = parseCronSchedule('*\/10 * * * * *', 'Europe/Paris');
 * if ('error' in schedule) throw new Error(schedule.error);
 * schedule.nextAfter(new Date()); // the next multiple of 10 seconds
 */
import cronParser from 'cron-parser';

/** The field layouts accepted, for error messages. */
export const CRON_FORMAT =
  '5 fields "minute hour day-of-month month day-of-week" or 6 fields "second minute hour day-of-month month day-of-week"';

/** A valid schedule. */
export interface CronSchedule {
  /** The expression as given (trimmed). */
  expression: string;
  /** The IANA time zone it is read in, as given. */
  timezone: string;
  /** True when the expression has a seconds field. */
  hasSeconds: boolean;
  /** The first fire time strictly after `after`. */
  nextAfter(after: Date): Date;
  /** Fire times strictly after `after`, in order (an endless iterator). */
  iterate(after: Date): Iterator<Date, never>;
}

/** True when `timezone` names a zone this runtime knows (IANA names such as `Europe/Paris`, `UTC`). */
export function isTimeZone(timezone: string): boolean {
  if (timezone === '' || timezone.length > 64 || /^[+-]/.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `expression` in `timezone`. Answers the schedule, or `{error}` with a message naming what is
 * wrong (the expression's shape, a field's range, the zone).
 */
export function parseCronSchedule(expression: string, timezone: string): CronSchedule | { error: string } {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return { error: `"${expression}" has ${fields.length} fields; a schedule has ${CRON_FORMAT}` };
  }
  if (!isTimeZone(timezone)) {
    return { error: `Unknown time zone "${timezone}": use an IANA name such as "Europe/Paris" or "UTC"` };
  }
  const normalised = fields.join(' ');
  const iterate = (after: Date) => {
    const expression = cronParser.parseExpression(normalised, { currentDate: after, tz: timezone });
    return {
      next: () => ({ done: false as const, value: expression.next().toDate() }),
    } as Iterator<Date, never>;
  };
  try {
    // Parsing checks each field's syntax and range; the first fire time proves the schedule can fire
    // at all (30 February never comes).
    iterate(new Date()).next();
  } catch (error) {
    return { error: `Invalid schedule "${expression}": ${(error as Error).message} (${CRON_FORMAT})` };
  }
  return {
    expression: normalised,
    timezone,
    hasSeconds: fields.length === 6,
    nextAfter: (after) => iterate(after).next().value,
    iterate,
  };
}
