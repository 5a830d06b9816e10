/**
 * Wall-clock timestamps as text, for `time::`: RFC 3339 in and out, and strftime-style patterns in
 * any IANA time zone. Time zones come from the ICU data Node ships (`Intl.DateTimeFormat`): no
 * hand-made zone table, daylight saving time included.
 *
 * A timestamp is an integer count of milliseconds since 1970-01-01T00:00:00Z. Only years 0000–9999
 * are accepted, the range RFC 3339 can write.
 */

/** Earliest timestamp: 0000-01-01T00:00:00.000Z. */
export const MIN_TIMESTAMP = -62_167_219_200_000;
/** Latest timestamp: 9999-12-31T23:59:59.999Z. */
export const MAX_TIMESTAMP = 253_402_300_799_999;

/** Why a text or a pattern was refused: the message is shown to the script. */
export class TimeTextError extends Error {}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2024-05-01T12:30:00.000Z`: always UTC, always milliseconds. */
export function isoText(ts: number): string {
  return new Date(ts).toISOString();
}

/** `date-time` of RFC 3339 §5.6 (`T` or a space between date and time, as its note allows). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Days in `month` (1–12) of `year`, proleptic Gregorian: day 0 of the next month is its last. */
function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/**
 * Reads an RFC 3339 date and time (`2024-05-01T14:30:00+02:00`, `2024-05-01T12:30:00.5Z`) into a
 * timestamp. Fractions of a second beyond milliseconds are dropped.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (m === null) {
    throw new TimeTextError(
      `"${text.length > 64 ? `${text.slice(0, 64)}…` : text}" is not an RFC 3339 date and time such as "2024-05-01T12:30:00Z"`,
    );
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) throw new TimeTextError(`month ${m[2]} does not exist`);
  if (day < 1 || day > daysInMonth(year, month)) {
    throw new TimeTextError(`day ${m[3]} does not exist in ${m[1]}-${m[2]}`);
  }
  if (hour > 23 || minute > 59) throw new TimeTextError(`${m[4]}:${m[5]} is not a time of day`);
  // A leap second (:60, which RFC 3339 allows) is read as the first instant of the next minute, as
  // Unix time has no place for it.
  if (second > 60) throw new TimeTextError(`second ${m[6]} is out of range`);
  let offset = 0;
  if (m[8] === undefined) {
    const hours = Number(m[10]);
    const minutes = Number(m[11]);
    if (hours > 23 || minutes > 59)
      throw new TimeTextError(`the offset ${m[9]}${m[10]}:${m[11]} is out of range`);
    offset = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  const ts = date.getTime() - offset;
  if (ts < MIN_TIMESTAMP || ts > MAX_TIMESTAMP) {
    throw new TimeTextError(`"${text}" is outside the years 0000 to 9999 once in UTC`);
  }
  return ts;
}

/** The wall-clock fields of an instant in one time zone. */
interface ZonedTime {
  /** The local date and time, as if it were UTC (read with the getUTC… methods). */
  local: Date;
  /** Minutes east of UTC. */
  offsetMinutes: number;
  /** The zone's short name as ICU writes it (`UTC`, `EST`, `GMT+2`). */
  abbreviation: string;
}

/** Formatters per time zone name (bounded: a script could name many). */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 128;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        timeZoneName: 'short',
      });
    } catch {
      throw new TimeTextError(
        `"${timeZone.slice(0, 64)}" is not a time zone (use an IANA name such as "Europe/Paris")`,
      );
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws unless `timeZone` is a time zone ICU knows. */
export function checkTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

function zoned(ts: number, timeZone: string): ZonedTime {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ts))) fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === 'BC' ? 1 - yearOfEra : yearOfEra;
  const local = new Date(0);
  local.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
  local.setUTCHours(
    Number(fields.hour),
    Number(fields.minute),
    Number(fields.second),
    ((ts % 1000) + 1000) % 1000,
  );
  return {
    local,
    offsetMinutes: Math.round((local.getTime() - ts) / 60_000),
    abbreviation: fields.timeZoneName ?? timeZone,
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

function yearText(year: number): string {
  return year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
}

/** What each directive writes, from the zoned time and the timestamp. */
const DIRECTIVES: Record<string, (z: ZonedTime, ts: number) => string> = {
  Y: (z) => yearText(z.local.getUTCFullYear()),
  y: (z) => pad(((z.local.getUTCFullYear() % 100) + 100) % 100),
  m: (z) => pad(z.local.getUTCMonth() + 1),
  d: (z) => pad(z.local.getUTCDate()),
  e: (z) => String(z.local.getUTCDate()).padStart(2, ' '),
  H: (z) => pad(z.local.getUTCHours()),
  I: (z) => pad(((z.local.getUTCHours() + 11) % 12) + 1),
  p: (z) => (z.local.getUTCHours() < 12 ? 'AM' : 'PM'),
  M: (z) => pad(z.local.getUTCMinutes()),
  S: (z) => pad(z.local.getUTCSeconds()),
  '3f': (z) => pad(z.local.getUTCMilliseconds(), 3),
  a: (z) => WEEKDAYS[z.local.getUTCDay()].slice(0, 3),
  A: (z) => WEEKDAYS[z.local.getUTCDay()],
  b: (z) => MONTHS[z.local.getUTCMonth()].slice(0, 3),
  B: (z) => MONTHS[z.local.getUTCMonth()],
  j: (z) => {
    const start = new Date(0);
    start.setUTCFullYear(z.local.getUTCFullYear(), 0, 1);
    return pad(Math.floor((z.local.getTime() - start.getTime()) / 86_400_000) + 1, 3);
  },
  u: (z) => String(z.local.getUTCDay() === 0 ? 7 : z.local.getUTCDay()),
  w: (z) => String(z.local.getUTCDay()),
  z: (z) => offsetText(z.offsetMinutes, false),
  ':z': (z) => offsetText(z.offsetMinutes, true),
  Z: (z) => z.abbreviation,
  s: (_z, ts) => String(Math.floor(ts / 1000)),
  F: (z, ts) => `${DIRECTIVES.Y(z, ts)}-${DIRECTIVES.m(z, ts)}-${DIRECTIVES.d(z, ts)}`,
  T: (z, ts) => `${DIRECTIVES.H(z, ts)}:${DIRECTIVES.M(z, ts)}:${DIRECTIVES.S(z, ts)}`,
  R: (z, ts) => `${DIRECTIVES.H(z, ts)}:${DIRECTIVES.M(z, ts)}`,
  '%': () => '%',
};

/** The directives a pattern may use, for documentation and error messages. */
export const PATTERN_DIRECTIVES = Object.keys(DIRECTIVES).map((d) => `%${d}`);

/** `%` then a directive: the two-character ones first, so `%3f` is not `%3` then `f`. */
const DIRECTIVE = /%(3f|:z|.?)/gs;

/**
 * Writes `ts` in `timeZone` following a strftime-style `pattern` (`%Y-%m-%d %H:%M`); see
 * {@link PATTERN_DIRECTIVES}. An unknown directive is an error, not text copied as is.
 */
export function formatTime(ts: number, pattern: string, timeZone: string): string {
  const time = zoned(ts, timeZone);
  return pattern.replace(DIRECTIVE, (_all, directive: string) => {
    const write = Object.hasOwn(DIRECTIVES, directive) ? DIRECTIVES[directive] : undefined;
    if (write === undefined) {
      throw new TimeTextError(
        directive === ''
          ? 'the pattern ends with a lone "%" (write "%%" for a percent sign)'
          : `"%${directive}" is not a directive (known: ${PATTERN_DIRECTIVES.join(' ')})`,
      );
    }
    return write(time, ts);
  });
}
