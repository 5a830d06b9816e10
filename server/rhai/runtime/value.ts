/**
 * The Rhai value model. Values are plain JS values wherever possible so the hot paths of compiled
 * scripts stay monomorphic and allocation-free:
 *
 * | Rhai      | JS                                                                  |
 * |-----------|---------------------------------------------------------------------|
 * | `()`      | `undefined`                                                         |
 * | bool      | `boolean`                                                           |
 * | i64       | integral `number` within ±(2^53-1), else `bigint` (always within i64) |
 * | f64       | non-integral `number`, or `RFloat` when the value is integral      |
 * | char      | `RChar`                                                             |
 * | string    | `string`                                                            |
 * | array     | `Value[]`                                                           |
 * | map       | `Map<string, Value>`                                                |
 * | blob      | `RBlob`                                                             |
 * | timestamp | `RTimestamp`                                                        |
 * | Fn        | `FnPtr`                                                             |
 * | range     | `RRange`                                                            |
 */
import { RhaiError } from '../errors.js';

/** Any Rhai value. */
export type Value =
  | undefined
  | boolean
  | number
  | bigint
  | string
  | RFloat
  | RChar
  | Value[]
  | Map<string, Value>
  | RBlob
  | RTimestamp
  | FnPtr
  | RRange
  | RIterable
  | RCustom;

/** The unit value `()`. */
export const UNIT: Value = undefined;

/** Largest i64. */
export const I64_MAX = 9223372036854775807n;
/** Smallest i64. */
export const I64_MIN = -9223372036854775808n;

/** A FLOAT whose value is integral (2.0, -0.0, 1e300): boxed so it cannot be mistaken for an INT. */
export class RFloat {
  /** The float value. */
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A Rhai `char`: one Unicode scalar value. */
export class RChar {
  /** The code point. */
  readonly cp: number;
  /** The character as a JS string (one or two UTF-16 units). */
  readonly str: string;
  constructor(cp: number) {
    this.cp = cp;
    this.str = String.fromCodePoint(cp);
  }
  /** A char for a code point (ASCII instances are shared). */
  static of(cp: number): RChar {
    if (cp < 128) {
      return ASCII_CHARS[cp];
    }
    return new RChar(cp);
  }
  /** A char from the first code point of a string. */
  static fromString(s: string): RChar {
    return RChar.of(s.codePointAt(0) ?? 0);
  }
  toString(): string {
    return this.str;
  }
}

/** Shared instances for ASCII chars (chars are immutable). */
const ASCII_CHARS: RChar[] = Array.from({ length: 128 }, (_, i) => new RChar(i));

/** A growable byte buffer (Rhai `blob`). */
export class RBlob {
  /** Backing store; only the first `length` bytes are meaningful. */
  bytes: Uint8Array;
  /** Number of bytes in the blob. */
  length: number;

  constructor(init?: Uint8Array | readonly number[] | number) {
    if (init === undefined) {
      this.bytes = new Uint8Array(8);
      this.length = 0;
    } else if (typeof init === 'number') {
      this.bytes = new Uint8Array(Math.max(8, init));
      this.length = init;
    } else {
      this.bytes = new Uint8Array(Math.max(8, init.length));
      this.bytes.set(init);
      this.length = init.length;
    }
  }

  /** Ensure room for `n` bytes. */
  reserve(n: number): void {
    if (n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Byte at index (no bounds check beyond `length`: returns undefined outside). */
  get(i: number): number | undefined {
    return i >= 0 && i < this.length ? this.bytes[i] : undefined;
  }

  /** Set the byte at an index inside the blob (value is truncated to 8 bits). */
  set(i: number, b: number): void {
    this.bytes[i] = b & 0xff;
  }

  /** Append one byte (truncated to 8 bits). */
  push(b: number): void {
    this.reserve(this.length + 1);
    this.bytes[this.length++] = b & 0xff;
  }

  /** Append bytes. */
  append(data: Uint8Array | readonly number[]): void {
    this.reserve(this.length + data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Change the length, zero-filling when growing. */
  resize(n: number, fill = 0): void {
    if (n > this.length) {
      this.reserve(n);
      this.bytes.fill(fill & 0xff, this.length, n);
    }
    this.length = n;
  }

  /** A view of the live bytes (shares memory; copy it before keeping it). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A copy of the live bytes. */
  toUint8Array(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** A deep copy. */
  clone(): RBlob {
    return new RBlob(this.view());
  }
}

/** A point in time (Rhai `timestamp`), in milliseconds (monotonic clock, like Rust's `Instant`). */
export class RTimestamp {
  /** Milliseconds on the engine's monotonic clock. */
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  /** The current time. */
  static now(): RTimestamp {
    return new RTimestamp(performance.now());
  }
}

/**
 * An integer range `start..end` (exclusive) or `start..=end` (inclusive). The bounds are exact
 * INTs (`exactStart`, `exactEnd`: a number, or a bigint beyond ±(2^53-1)); `start` and `end` are
 * the same bounds clamped to safe JS numbers, which is all that slicing strings, arrays and blobs
 * needs.
 */
export class RRange {
  readonly exactStart: number | bigint;
  readonly exactEnd: number | bigint;
  readonly start: number;
  readonly end: number;
  readonly inclusive: boolean;
  constructor(start: number | bigint, end: number | bigint, inclusive: boolean) {
    this.exactStart = start;
    this.exactEnd = end;
    this.start = clampSafe(start);
    this.end = clampSafe(end);
    this.inclusive = inclusive;
  }
  /** One past the last element (the exclusive end), clamped to safe numbers. */
  get endExclusive(): number {
    return this.inclusive ? this.end + 1 : this.end;
  }
  /** Number of elements (0 for empty or reversed ranges), exact. */
  get size(): number | bigint {
    const s = this.exactStart;
    const e = this.exactEnd;
    if (typeof s === 'number' && typeof e === 'number') {
      const n = (this.inclusive ? e + 1 : e) - s;
      if (n <= MAX_SAFE) return Math.max(0, n);
    }
    const n = BigInt(e) + (this.inclusive ? 1n : 0n) - BigInt(s);
    return n <= 0n ? 0 : makeInt(n > I64_MAX ? I64_MAX : n);
  }
  /** True when the INT `n` lies in the range (exact for bigints too). */
  contains(n: number | bigint): boolean {
    return n >= this.exactStart && (this.inclusive ? n <= this.exactEnd : n < this.exactEnd);
  }
}

function clampSafe(n: number | bigint): number {
  if (typeof n === 'number') return n;
  return n > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
}

/**
 * A function pointer (`Fn("name")`, or an anonymous function/closure). `curried` arguments are
 * prepended on call. `target` is the engine's compiled callable for closures and script functions;
 * natives never need to look inside — they call through `NativeCallContext.callFnPtr`.
 */
export class FnPtr {
  /** Function name (anonymous functions are named `anon$...`). */
  readonly name: string;
  /** Curried arguments, passed before the call's own arguments. */
  readonly curried: readonly Value[];
  /** Engine-internal callable (closure with its captured environment), if any. */
  readonly target: unknown;
  constructor(name: string, curried: readonly Value[] = [], target?: unknown) {
    this.name = name;
    this.curried = curried;
    this.target = target;
  }
  /** True for `|x| ...` functions. */
  get isAnonymous(): boolean {
    return this.name.startsWith('anon$');
  }
  /** A copy with more curried arguments. */
  curry(args: readonly Value[]): FnPtr {
    return new FnPtr(this.name, [...this.curried, ...args], this.target);
  }
}

/**
 * A lazy iterator value (e.g. `range(0, 10, 2)`, `s.chars()`, `n.bits()`): `for` loops call `make()`
 * for a fresh JS iterator; `type_of` and display show `typeName`.
 */
export class RIterable {
  readonly typeName: string;
  readonly make: () => Iterator<Value>;
  constructor(typeName: string, make: () => Iterator<Value>) {
    this.typeName = typeName;
    this.make = make;
  }
}

/**
 * An opaque host object handed to scripts by a host function. Scripts can pass it around and
 * give it back to host functions; `type_of` shows `typeName`. It never exposes JS members.
 */
export class RCustom {
  readonly typeName: string;
  readonly payload: unknown;
  constructor(typeName: string, payload: unknown) {
    this.typeName = typeName;
    this.payload = payload;
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** True when `v` is an INT (i64). */
export function isInt(v: Value): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/** True when `v` is a FLOAT (f64). */
export function isFloat(v: Value): v is number | RFloat {
  return v instanceof RFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** The f64 value of a FLOAT (or of an INT, converted). */
export function floatValue(v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof RFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  throw RhaiError.mismatch(`Expected a number, got ${typeOf(v)}`);
}

/** Shared boxes for small integral floats (immutable, so sharing is safe). */
const SMALL_FLOATS: RFloat[] = Array.from({ length: 2049 }, (_, i) => new RFloat(i - 1024));

/** Box a JS number as a FLOAT value: integral values become `RFloat`. */
export function makeFloat(n: number): Value {
  if (Math.floor(n) !== n) return n; // non-integral, NaN
  if (n >= -1024 && n <= 1024 && !Object.is(n, -0)) return SMALL_FLOATS[n + 1024];
  return new RFloat(n);
}

/**
 * Normalise an integer result to an INT value: a `number` when within the safe range, a `bigint`
 * otherwise; throws ErrorArithmetic when outside i64.
 */
export function makeInt(n: number | bigint): number | bigint {
  if (typeof n === 'number') {
    if (n >= -MAX_SAFE && n <= MAX_SAFE) return n === 0 ? 0 : n;
    if (!Number.isFinite(n)) throw RhaiError.arithmetic('Integer overflow');
    n = BigInt(n);
  }
  if (n > I64_MAX || n < I64_MIN) throw RhaiError.arithmetic('Integer overflow');
  if (n >= -9007199254740991n && n <= 9007199254740991n) return Number(n);
  return n;
}

/** The INT value as a bigint (for exact arithmetic on the slow path). */
export function intToBigInt(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Rhai's type name for a value (what `type_of` returns). */
export function typeOf(v: Value): string {
  switch (typeof v) {
    case 'undefined':
      return '()';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'i64' : 'f64';
    case 'bigint':
      return 'i64';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof RFloat) return 'f64';
  if (v instanceof RChar) return 'char';
  if (v instanceof FnPtr) return 'Fn';
  if (v instanceof RRange) return v.inclusive ? 'range=' : 'range';
  if (v instanceof RBlob) return 'blob';
  if (v instanceof RTimestamp) return 'timestamp';
  if (v instanceof RIterable) return v.typeName;
  if (v instanceof RCustom) return v.typeName;
  return 'unknown';
}

/** Format an f64 the way Rhai's `to_string`/`print` does (natural notation within 1e-13..1e13). */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  const abs = Math.abs(n);
  if (abs === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  if (abs > 1e13 || abs < 1e-13) return formatExp(n);
  const s = naturalNotation(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

/** Format an f64 the way Rust's `{:?}` does (exponent below 1e-4 and from 1e16). */
export function formatFloatDebug(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  const abs = Math.abs(n);
  if (abs === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  if (abs >= 1e16 || abs < 1e-4) return formatExp(n);
  const s = naturalNotation(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

/** Rust-style `{:e}`: shortest digits, `e` exponent without `+`. */
function formatExp(n: number): string {
  const s = n.toExponential();
  return s.replace('e+', 'e');
}

/** Shortest round-trip digits without exponent (JS switches to exponents below 1e-6 and above 1e21). */
function naturalNotation(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const digits = mantissa.replace('.', '');
  const pointAt = (mantissa.indexOf('.') < 0 ? mantissa.length : mantissa.indexOf('.')) + exp;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return neg ? `-${out}` : out;
}

/** Rust `{:?}` of a string: double-quoted with escapes. */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeChar(ch, '"');
  return `${out}"`;
}

/** The escape sequence of one character in Rust's `{:?}` form of a string (`quote`) or char, or the character. */
export function escapeChar(ch: string, quote: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\0':
      return '\\0';
    default:
      break;
  }
  if (ch === quote) return `\\${quote}`;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/** What `print`/`to_string` shows for a value. */
export function displayString(v: Value): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? String(v) : formatFloat(v);
    case 'undefined':
      return '';
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      break;
  }
  if (v instanceof RFloat) return formatFloat(v.value);
  if (v instanceof RChar) return v.str;
  if (v instanceof FnPtr) return `Fn(${v.name})`;
  if (v instanceof RRange) return `${v.exactStart}..${v.inclusive ? '=' : ''}${v.exactEnd}`;
  if (v instanceof RTimestamp) return '<timestamp>';
  if (v instanceof RCustom || v instanceof RIterable) return v.typeName;
  return debugString(v);
}

/** What `debug`/`to_debug` shows for a value. */
export function debugString(v: Value): string {
  switch (typeof v) {
    case 'string':
      return quoteString(v);
    case 'number':
      return Number.isInteger(v) ? String(v) : formatFloatDebug(v);
    case 'undefined':
      return '()';
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      break;
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ', ';
      out += debugString(v[i]);
    }
    return `${out}]`;
  }
  if (v instanceof Map) {
    let out = '#{';
    let first = true;
    for (const k of sortedKeys(v)) {
      if (!first) out += ', ';
      first = false;
      out += `${quoteString(k)}: ${debugString(v.get(k))}`;
    }
    return `${out}}`;
  }
  if (v instanceof RFloat) return formatFloatDebug(v.value);
  if (v instanceof RChar) return `'${escapeChar(v.str, "'")}'`;
  if (v instanceof RBlob) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0 && i % 8 === 0) out += ' ';
      out += v.bytes[i].toString(16).padStart(2, '0');
    }
    return `${out}]`;
  }
  if (v instanceof FnPtr) {
    let out = `Fn(${v.name}`;
    for (const c of v.curried) out += `, ${debugString(c)}`;
    return `${out})`;
  }
  return displayString(v);
}

/** Keys of a map in Rhai's order (sorted by UTF-8 byte order, like a BTreeMap of strings). */
export function sortedKeys(m: Map<string, Value>): string[] {
  const keys = [...m.keys()];
  // UTF-16 order (the built-in sort, several times faster) is code-point order unless a key holds
  // a surrogate or a character from U+E000 up: only then is the comparator needed.
  keys.sort(keys.some((k) => BEYOND_SURROGATES.test(k)) ? compareStrings : undefined);
  return keys;
}

/** A character at or above the first surrogate (where UTF-16 and code-point order may differ). */
const BEYOND_SURROGATES = /[\uD800-\uFFFF]/;

/** Compare strings by code point (the same order as UTF-8 bytes), as Rust does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after 0xE000-0xFFFF.
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * Copy a value with Rhai's value semantics: arrays, maps and blobs are copied (deeply for nested
 * containers); everything else is immutable and returned as-is.
 */
export function cloneValue(v: Value): Value {
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = v[i];
      out[i] = typeof e === 'object' ? cloneValue(e) : e;
    }
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<string, Value>();
    for (const [k, e] of v) out.set(k, typeof e === 'object' ? cloneValue(e) : e);
    return out;
  }
  if (v instanceof RBlob) return v.clone();
  return v;
}

/** The f64 machine epsilon, the tolerance of FLOAT comparisons. */
const EPSILON = 2.220446049250313e-16;

/**
 * Three-way comparison of two FLOATs as Rhai does it: numbers closer than `max(|x|, |y|) × ε` (or
 * ε itself when one of them is zero) are equal, so `0.1 + 0.2 == 0.3` and `1e-17 == 0`; NaN
 * compares as NaN (every ordering is false).
 */
export function compareFloats(x: number, y: number): number {
  if (x === y) return 0;
  const d = x - y;
  if (Number.isNaN(d)) return Number.NaN;
  const maxDiff = x === 0 || y === 0 ? EPSILON : Math.max(Math.abs(x), Math.abs(y)) * EPSILON;
  if (d >= maxDiff) return 1;
  if (-d >= maxDiff) return -1;
  return 0;
}

/** Rhai `==` for built-in types: INT/FLOAT compare numerically (FLOATs within ε), containers element-wise. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true; // NaN !== NaN already
  const ta = typeof a;
  const tb = typeof b;
  if (
    (ta === 'number' || ta === 'bigint' || a instanceof RFloat) &&
    (tb === 'number' || tb === 'bigint' || b instanceof RFloat)
  ) {
    if (ta === 'bigint' && tb === 'bigint') return a === b;
    if (ta === 'bigint' || tb === 'bigint') {
      // An INT bigint is outside the safe range; compare exactly when the other side is an INT.
      const other = ta === 'bigint' ? b : a;
      const big = (ta === 'bigint' ? a : b) as bigint;
      if (typeof other === 'number' && Number.isInteger(other)) return BigInt(other) === big;
      return Number(big) === floatValue(other);
    }
    if (ta === 'number' && tb === 'number' && Number.isInteger(a) && Number.isInteger(b)) return false;
    return compareFloats(floatValue(a), floatValue(b)) === 0;
  }
  if (ta !== 'object' || tb !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) {
      if (!b.has(k) || !valuesEqual(x, b.get(k))) return false;
    }
    return true;
  }
  if (a instanceof RChar) return b instanceof RChar && a.cp === b.cp;
  if (a instanceof RBlob) {
    if (!(b instanceof RBlob) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
    return true;
  }
  if (a instanceof RRange) {
    return (
      b instanceof RRange &&
      a.exactStart === b.exactStart &&
      a.exactEnd === b.exactEnd &&
      a.inclusive === b.inclusive
    );
  }
  if (a instanceof FnPtr) {
    return (
      b instanceof FnPtr &&
      a.name === b.name &&
      a.target === b.target &&
      valuesEqual([...a.curried], [...b.curried])
    );
  }
  if (a instanceof RTimestamp) return b instanceof RTimestamp && a.ms === b.ms;
  return false;
}

/** Rhai truthiness is strict: only `bool` is accepted where a condition is expected. */
export function isBool(v: Value): v is boolean {
  return typeof v === 'boolean';
}

/** A string's length in Unicode scalar values (Rhai counts chars, not UTF-16 units). */
export function stringCharLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}
