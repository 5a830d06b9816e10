/**
 * Numeric functions: sign and magnitude, parity, min/max, floating-point maths and rounding,
 * number parsing and conversions between INT and FLOAT, and radix formatting.
 *
 * As in Rhai, floating-point functions take FLOAT arguments only (`sqrt(4)` is an error; write
 * `sqrt(4.0)` or `4.to_float().sqrt()`), and INT results stay exact 64-bit integers.
 */
import { RhaiError } from '../errors.js';
import type { NativeFnDef } from '../runtime/native.js';
import { floatValue, I64_MAX, I64_MIN, makeFloat, makeInt, RFloat, type Value } from '../runtime/value.js';
import { big, def, defWithGetter, excerpt, trimEnd, trimStart } from './support.js';

/** Wrap a unary f64 function as a Rhai `fn(float) -> float`. */
function floatFn(name: string, op: (x: number) => number): NativeFnDef {
  return def(name, ['float'], (_ctx, [x]) => makeFloat(op(floatValue(x))));
}

/** Same, also exposed as a property getter (`x.floor`). */
function floatFnWithGetter(name: string, op: (x: number) => number): NativeFnDef[] {
  return defWithGetter(name, 'float', (_ctx, [x]) => makeFloat(op(floatValue(x))));
}

/** Compare two INTs (either may be a bigint). */
function intLess(a: Value, b: Value): boolean {
  return (a as number | bigint) < (b as number | bigint);
}

/** Rust's `f64::round`: halves round away from zero (JS `Math.round` rounds them up). */
function roundHalfAwayFromZero(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(Math.abs(x));
  return x < 0 || Object.is(x, -0) ? -r : r;
}

/** Rust's `f64::fract`: `x - trunc(x)`, keeping the sign. */
function fraction(x: number): number {
  return x - Math.trunc(x);
}

/** 2^63 as an f64 (exactly representable). */
const TWO_POW_63 = 2 ** 63;

/** `FLOAT -> INT` as Rhai's `to_int`: truncates; errors outside the i64 range; NaN gives 0 as in Rust. */
export function floatToInt(x: number): number | bigint {
  if (Number.isNaN(x)) return 0;
  // i64::MAX as f64 rounds up to 2^63, which Rust accepts and saturates.
  if (x > TWO_POW_63 || x < -TWO_POW_63) {
    throw RhaiError.arithmetic(`Integer overflow: to_int(${x})`);
  }
  const t = Math.trunc(x);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  let b = BigInt(t);
  if (b > I64_MAX) b = I64_MAX;
  return makeInt(b);
}

/** Parse an integer in a radix, with Rust's `i64::from_str_radix` rules (after trimming). */
export function parseIntRadix(input: string, radix: number): number | bigint {
  if (!(radix >= 2 && radix <= 36)) throw RhaiError.arithmetic(`Invalid radix: '${radix}'`);
  const s = trimEnd(trimStart(input));
  const fail = (why: string): never => {
    throw RhaiError.arithmetic(`Error parsing integer number '${excerpt(input)}': ${why}`);
  };
  if (s.length === 0) fail('cannot parse integer from empty string');
  let i = 0;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    i = 1;
  }
  if (i === s.length) fail('invalid digit found in string');
  // Skip leading zeros natively: they never change the value, and after them at most 64 digits
  // fit in an i64, so the BigInt loop below stays short whatever the input's length.
  LEADING_ZEROS.lastIndex = i;
  LEADING_ZEROS.test(s);
  i = LEADING_ZEROS.lastIndex;
  const bigRadix = BigInt(radix);
  let acc = 0n;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d < 0 || d >= radix) fail('invalid digit found in string');
    acc = acc * bigRadix + BigInt(d);
    if (acc > 9223372036854775808n) break;
  }
  const value = negative ? -acc : acc;
  if (value > I64_MAX) fail('number too large to fit in target type');
  if (value < I64_MIN) fail('number too small to fit in target type');
  return makeInt(value);
}

const LEADING_ZEROS = /0*/y;

/** Value of an ASCII digit or letter in radix 36, or -1. */
function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return -1;
}

// Unambiguous (each character can only be matched one way), so a long non-matching input is
// rejected in linear time; `\d+\.?\d*` would backtrack quadratically over a long digit run.
const FLOAT_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** Parse a FLOAT with Rust's `f64::from_str` rules (after trimming). */
export function parseFloatStrict(input: string): number {
  const s = trimEnd(trimStart(input));
  const special = FLOAT_SPECIAL.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!FLOAT_SYNTAX.test(s)) {
    throw RhaiError.arithmetic(
      `Error parsing floating-point number '${excerpt(input)}': invalid float literal`,
    );
  }
  return Number(s);
}

/** Format an INT in a radix; negative values show their 64-bit two's complement, as Rust's `{:x}` does. */
function formatRadix(v: Value, radix: number): string {
  const b = big(v);
  return (b < 0n ? BigInt.asUintN(64, b) : b).toString(radix);
}

/** The numeric package. */
export const mathFunctions: readonly NativeFnDef[] = [
  // Sign and magnitude
  def('abs', ['int'], (_ctx, [x]) => {
    if (typeof x === 'bigint') {
      if (x === I64_MIN) throw RhaiError.arithmetic(`Negation overflow: -${x}`);
      return makeInt(x < 0n ? -x : x);
    }
    return Math.abs(x as number);
  }),
  def('abs', ['float'], (_ctx, [x]) => makeFloat(Math.abs(floatValue(x)))),
  def('sign', ['int'], (_ctx, [x]) => {
    const n = x as number | bigint;
    return n > 0 ? 1 : n < 0 ? -1 : 0;
  }),
  def('sign', ['float'], (_ctx, [x]) => {
    const f = floatValue(x);
    if (Number.isNaN(f)) throw RhaiError.arithmetic('Sign of NaN is undefined');
    return f > 0 ? 1 : f < 0 ? -1 : 0;
  }),
  ...defWithGetter('is_zero', 'int', (_ctx, [x]) => x === 0 || x === 0n),
  ...defWithGetter('is_zero', 'float', (_ctx, [x]) => floatValue(x) === 0),
  ...defWithGetter('is_odd', 'int', (_ctx, [x]) =>
    typeof x === 'bigint' ? x % 2n !== 0n : (x as number) % 2 !== 0,
  ),
  ...defWithGetter('is_even', 'int', (_ctx, [x]) =>
    typeof x === 'bigint' ? x % 2n === 0n : (x as number) % 2 === 0,
  ),

  // min / max (mixed INT/FLOAT arguments produce a FLOAT)
  def('max', ['int', 'int'], (_ctx, [x, y]) => (intLess(x, y) ? y : x)),
  def('min', ['int', 'int'], (_ctx, [x, y]) => (intLess(y, x) ? y : x)),
  def('max', ['float', 'float'], (_ctx, [x, y]) => makeFloat(maxFloat(floatValue(x), floatValue(y)))),
  def('min', ['float', 'float'], (_ctx, [x, y]) => makeFloat(minFloat(floatValue(x), floatValue(y)))),
  def('max', ['int', 'float'], (_ctx, [x, y]) => makeFloat(maxFloat(floatValue(x), floatValue(y)))),
  def('max', ['float', 'int'], (_ctx, [x, y]) => makeFloat(maxFloat(floatValue(x), floatValue(y)))),
  def('min', ['int', 'float'], (_ctx, [x, y]) => makeFloat(minFloat(floatValue(x), floatValue(y)))),
  def('min', ['float', 'int'], (_ctx, [x, y]) => makeFloat(minFloat(floatValue(x), floatValue(y)))),

  // Constants
  def('PI', [], () => Math.PI),
  def('E', [], () => Math.E),

  // Floating-point maths
  floatFn('sqrt', Math.sqrt),
  floatFn('exp', Math.exp),
  floatFn('ln', Math.log),
  floatFn('log', Math.log10),
  def('log', ['float', 'float'], (_ctx, [x, base]) =>
    makeFloat(Math.log(floatValue(x)) / Math.log(floatValue(base))),
  ),
  floatFn('sin', Math.sin),
  floatFn('cos', Math.cos),
  floatFn('tan', Math.tan),
  floatFn('sinh', Math.sinh),
  floatFn('cosh', Math.cosh),
  floatFn('tanh', Math.tanh),
  floatFn('asin', Math.asin),
  floatFn('acos', Math.acos),
  floatFn('atan', Math.atan),
  def('atan', ['float', 'float'], (_ctx, [x, y]) => makeFloat(Math.atan2(floatValue(x), floatValue(y)))),
  floatFn('asinh', Math.asinh),
  floatFn('acosh', Math.acosh),
  floatFn('atanh', Math.atanh),
  def('hypot', ['float', 'float'], (_ctx, [x, y]) => makeFloat(Math.hypot(floatValue(x), floatValue(y)))),
  floatFn('to_radians', (x) => (x * Math.PI) / 180),
  floatFn('to_degrees', (x) => (x * 180) / Math.PI),

  // Rounding
  ...floatFnWithGetter('floor', Math.floor),
  ...floatFnWithGetter('ceiling', Math.ceil),
  ...floatFnWithGetter('round', roundHalfAwayFromZero),
  ...floatFnWithGetter('int', Math.trunc),
  ...floatFnWithGetter('fraction', fraction),

  // Classification
  ...defWithGetter('is_nan', 'float', (_ctx, [x]) => Number.isNaN(floatValue(x))),
  ...defWithGetter('is_finite', 'float', (_ctx, [x]) => Number.isFinite(floatValue(x))),
  ...defWithGetter('is_infinite', 'float', (_ctx, [x]) => {
    const f = floatValue(x);
    return f === Number.POSITIVE_INFINITY || f === Number.NEGATIVE_INFINITY;
  }),

  // Parsing
  def('parse_int', ['string'], (_ctx, [s]) => parseIntRadix(s as string, 10)),
  def('parse_int', ['string', 'int'], (_ctx, [s, radix]) => {
    const r = typeof radix === 'bigint' ? -1 : (radix as number);
    return parseIntRadix(s as string, r);
  }),
  def('parse_float', ['string'], (_ctx, [s]) => makeFloat(parseFloatStrict(s as string))),

  // Conversions
  def('to_int', ['int'], (_ctx, [x]) => x),
  def('to_int', ['float'], (_ctx, [x]) => floatToInt(floatValue(x))),
  def('to_float', ['int'], (_ctx, [x]) => makeFloat(floatValue(x))),
  def('to_float', ['float'], (_ctx, [x]) => (x instanceof RFloat ? x : makeFloat(floatValue(x)))),
  def('to_hex', ['int'], (_ctx, [x]) => formatRadix(x, 16)),
  def('to_octal', ['int'], (_ctx, [x]) => formatRadix(x, 8)),
  def('to_binary', ['int'], (_ctx, [x]) => formatRadix(x, 2)),
];

/** Rust's `if x >= y { x } else { y }` (NaN on the left loses, on the right wins). */
function maxFloat(x: number, y: number): number {
  // Not Math.max: it propagates NaN, and Rust's comparison does not.
  if (x >= y) return x;
  return y;
}

/** Rust's `if x <= y { x } else { y }`. */
function minFloat(x: number, y: number): number {
  // Not Math.min: it propagates NaN, and Rust's comparison does not.
  if (x <= y) return x;
  return y;
}
