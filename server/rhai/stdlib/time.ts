/**
 * Timestamps: `timestamp()` reads a monotonic clock; `elapsed` and timestamp differences are
 * FLOAT seconds; INT or FLOAT seconds can be added or subtracted; timestamps compare.
 *
 * `sleep` does nothing: a script runs on the host's event loop, and blocking it would stall every
 * other request. Scripts that need to wait should return and be scheduled again instead.
 */
import { RhaiError } from '../errors.js';
import type { NativeFnDef } from '../runtime/native.js';
import { floatValue, makeFloat, RTimestamp, type Value } from '../runtime/value.js';
import { def, defWithGetter } from './support.js';

/** Largest number of seconds a timestamp may be moved by (i64::MAX, as Rhai checks). */
const MAX_SECONDS = 2 ** 63;

/** `ts ± seconds` for INT or FLOAT seconds (FLOAT seconds move by whole milliseconds, as Rhai). */
function shift(ts: RTimestamp, seconds: Value, sign: 1 | -1): RTimestamp {
  const s = floatValue(seconds);
  if (Number.isNaN(s) || Math.abs(s) > MAX_SECONDS) {
    throw RhaiError.arithmetic(`Integer overflow for timestamp ${sign > 0 ? 'add' : 'subtract'}: ${s}`);
  }
  const ms = typeof seconds === 'number' && Number.isInteger(seconds) ? s * 1000 : Math.trunc(s * 1000);
  const next = ts.ms + sign * ms;
  if (!Number.isFinite(next)) {
    throw RhaiError.arithmetic(
      `Timestamp overflow when ${sign > 0 ? 'adding' : 'subtracting'} ${s} second(s)`,
    );
  }
  return new RTimestamp(next);
}

/**
 * Seconds from `b` to `a` (negative when `a` is earlier). Timestamps hold fractional milliseconds
 * (the monotonic clock's microseconds), so the difference is rounded to whole microseconds: adding
 * 1.5 s and subtracting again gives exactly 1.5, not 1.4999999999999998.
 */
function diffSeconds(a: RTimestamp, b: RTimestamp): Value {
  return makeFloat(Math.round((a.ms - b.ms) * 1000) / 1_000_000);
}

/** A comparison operator on timestamps. */
function compare(op: string, test: (a: number, b: number) => boolean): NativeFnDef {
  return def(op, ['timestamp', 'timestamp'], (_ctx, [a, b]) =>
    test((a as RTimestamp).ms, (b as RTimestamp).ms),
  );
}

/** The time package. */
export const timeFunctions: readonly NativeFnDef[] = [
  def('timestamp', [], () => RTimestamp.now()),
  ...defWithGetter('elapsed', 'timestamp', (_ctx, [ts]) => {
    const now = RTimestamp.now();
    if ((ts as RTimestamp).ms > now.ms) throw RhaiError.arithmetic('Time-stamp is later than now');
    return diffSeconds(now, ts as RTimestamp);
  }),
  def('-', ['timestamp', 'timestamp'], (_ctx, [a, b]) => diffSeconds(a as RTimestamp, b as RTimestamp)),
  ...(['int', 'float'] as const).flatMap((t): NativeFnDef[] => [
    def('+', ['timestamp', t], (_ctx, [ts, s]) => shift(ts as RTimestamp, s, 1)),
    def('-', ['timestamp', t], (_ctx, [ts, s]) => shift(ts as RTimestamp, s, -1)),
    def(
      '+=',
      ['timestamp', t],
      (ctx, [ts, s]) => {
        ctx.setThis(shift(ts as RTimestamp, s, 1));
        return undefined;
      },
      true,
    ),
    def(
      '-=',
      ['timestamp', t],
      (ctx, [ts, s]) => {
        ctx.setThis(shift(ts as RTimestamp, s, -1));
        return undefined;
      },
      true,
    ),
  ]),
  compare('==', (a, b) => a === b),
  compare('!=', (a, b) => a !== b),
  compare('<', (a, b) => a < b),
  compare('<=', (a, b) => a <= b),
  compare('>', (a, b) => a > b),
  compare('>=', (a, b) => a >= b),
  // Deliberately a no-op (see the file comment); the argument is still type-checked by overloading.
  def('sleep', ['int'], () => undefined),
  def('sleep', ['float'], () => undefined),
];
