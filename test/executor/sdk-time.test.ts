/**
 * `time::` through the real engine and SDK modules: the wall clock, RFC 3339 in (its own examples,
 * §5.8) and out, patterns in IANA time zones with daylight saving time, and refused input as a
 * catchable error with the position.
 */
import { describe, expect, it } from 'vitest';
import { runScript, scriptFailure, scriptValue } from '../support/script-runner.js';

const run = (source: string) => scriptValue(runScript(source));

describe('time::now', () => {
  it('is the wall clock in integer milliseconds (UTC)', () => {
    const before = Date.now();
    const [now, type] = run('let t = time::now(); [t, type_of(t)]') as [number, string];
    expect(type).toBe('i64');
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('leaves timestamp() the monotonic clock it was', () => {
    expect(run('type_of(timestamp())')).toBe('timestamp');
  });
});

describe('time::iso and time::parse (RFC 3339)', () => {
  it.each([
    // RFC 3339 §5.8's examples.
    ['1985-04-12T23:20:50.52Z', 482_196_050_520, '1985-04-12T23:20:50.520Z'],
    ['1996-12-19T16:39:57-08:00', 851_042_397_000, '1996-12-20T00:39:57.000Z'],
    ['1990-12-31T23:59:60Z', 662_688_000_000, '1991-01-01T00:00:00.000Z'],
    ['1990-12-31T15:59:60-08:00', 662_688_000_000, '1991-01-01T00:00:00.000Z'],
    ['1937-01-01T12:00:27.87+00:20', -1_041_337_172_130, '1937-01-01T11:40:27.870Z'],
    // Lower-case t and z and a space are allowed (§5.6 note); digits past milliseconds are dropped.
    ['2024-02-29 08:00:00.123456z', 1_709_193_600_123, '2024-02-29T08:00:00.123Z'],
    ['0001-01-01T00:00:00Z', -62_135_596_800_000, '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', 253_402_300_799_999, '9999-12-31T23:59:59.999Z'],
  ])('parse(%j)', (text, ts, iso) => {
    expect(run(`time::parse("${text}")`)).toBe(ts);
    expect(run(`time::iso(${ts})`)).toBe(iso);
  });

  it('round-trips now', () => {
    expect(run('let t = time::now(); time::parse(time::iso(t)) == t')).toBe(true);
  });
});

describe('time::format', () => {
  const ts = 1_719_835_200_000; // 2024-07-01T12:00:00Z, a Monday
  it.each([
    ['%Y-%m-%d %H:%M:%S', undefined, '2024-07-01 12:00:00'],
    ['%F %T %z %:z %Z', 'UTC', '2024-07-01 12:00:00 +0000 +00:00 UTC'],
    ['%F %T %:z', 'Europe/Paris', '2024-07-01 14:00:00 +02:00'],
    ['%a %d %b %Y, %I:%M %p %Z', 'America/New_York', 'Mon 01 Jul 2024, 08:00 AM EDT'],
    ['%A %e %B, %R', 'Asia/Kolkata', 'Monday  1 July, 17:30'],
    ['%j %u %w %y %s %3f %%', 'UTC', '183 1 1 24 1719835200 000 %'],
    ['%H:%M %:z', 'Australia/Lord_Howe', '22:30 +10:30'],
  ])('%j in %s', (pattern, zone, text) => {
    const args = zone === undefined ? `${ts}, "${pattern}"` : `${ts}, "${pattern}", "${zone}"`;
    expect(run(`time::format(${args})`)).toBe(text);
  });

  it('follows daylight saving time', () => {
    // Paris moved from +01:00 to +02:00 at 2024-03-31T01:00:00Z.
    const before = run('time::format(time::parse("2024-03-31T00:59:59Z"), "%T %:z", "Europe/Paris")');
    const after = run('time::format(time::parse("2024-03-31T01:00:00Z"), "%T %:z", "Europe/Paris")');
    expect([before, after]).toEqual(['01:59:59 +01:00', '03:00:00 +02:00']);
    expect(run('time::format(0, "%F %T %Z", "Europe/London")')).toBe('1970-01-01 01:00:00 GMT+1');
  });

  it('writes milliseconds and years before 1970', () => {
    expect(run('time::format(time::parse("1969-12-31T23:59:59.250Z"), "%F %T.%3f")')).toBe(
      '1969-12-31 23:59:59.250',
    );
  });
});

describe('bad input is a catchable error with the position', () => {
  it.each([
    ['time::parse("2024-05-01")', 'is not an RFC 3339 date and time such as "2024-05-01T12:30:00Z"'],
    ['time::parse("2024-05-01T12:30:00")', 'is not an RFC 3339 date and time'],
    ['time::parse("2023-02-29T00:00:00Z")', 'day 29 does not exist in 2023-02'],
    ['time::parse("2024-13-01T00:00:00Z")', 'month 13 does not exist'],
    ['time::parse("2024-01-01T24:00:00Z")', '24:00 is not a time of day'],
    ['time::parse("2024-01-01T00:00:00+24:00")', 'the offset +24:00 is out of range'],
    ['time::parse("0000-01-01T00:00:00+01:00")', 'is outside the years 0000 to 9999'],
    ['time::parse(5)', 'the text must be a string, not i64'],
    ['time::iso(253402300800000)', 'the timestamp is outside the years 0000 to 9999'],
    ['time::iso(1.5)', 'the timestamp must be an integer, not f64'],
    ['time::format(0, "%Q")', '"%Q" is not a directive (known: %Y'],
    ['time::format(0, "100%")', 'the pattern ends with a lone "%"'],
    ['time::format(0, "%F", "Mars/Olympus")', '"Mars/Olympus" is not a time zone'],
  ])('%s', (call, message) => {
    const error = scriptFailure(runScript(`let x = 1;\n  ${call}`));
    expect(error).toMatchObject({ code: 'PICLOUD_ERR_SCRIPT_RUNTIME', line: 2, column: 3 });
    expect(error.details).toEqual({ reason: 'BAD_ARGUMENTS' });
    expect(error.message).toContain(message);
    expect(run(`try { ${call} } catch (err) { err.reason }`)).toBe('BAD_ARGUMENTS');
  });
});
