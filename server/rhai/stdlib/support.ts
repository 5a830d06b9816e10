/**
 * Building blocks shared by the standard-library packages: building `NativeFnDef`s, reading INT
 * arguments, Rhai's index arithmetic (negative positions count from the end), Unicode-scalar
 * string slicing, the size limits every growing operation must respect (the engine's limits and
 * the hard caps below, which hold even when the limits are 0 = unlimited), and the operation
 * charges that let `maxOperations`, the deadline and `onProgress` stop long native calls.
 */
import { RhaiError } from '../errors.js';
import { BYTES_PER_OPERATION, effectiveLimit, HARD_LIMITS } from '../runtime/limits.js';
import type { NativeCallContext, NativeFn, NativeFnDef, ParamType } from '../runtime/native.js';
import { RFloat, type RRange, sortedKeys, typeOf, type Value } from '../runtime/value.js';

/** Build a native function definition; `mutates` marks functions that change their receiver. */
export function def(name: string, params: readonly ParamType[], fn: NativeFn, mutates = false): NativeFnDef {
  return mutates ? { name, params, fn, mutates: true } : { name, params, fn };
}

/**
 * A function that Rhai also exposes as a property (`x.len` as well as `x.len()`): registers the
 * method and the `get$name` getter with the same implementation.
 */
export function defWithGetter(name: string, param: ParamType, fn: NativeFn): NativeFnDef[] {
  return [def(name, [param], fn), def(`get$${name}`, [param], fn)];
}

/**
 * An INT argument as a JS number for positions, lengths and counts. Values outside the safe
 * range (bigints) saturate: they are beyond any real length, so only their sign matters.
 */
export function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
  if (v instanceof RFloat) return v.value;
  throw RhaiError.mismatch(`Expected an integer, got ${typeOf(v)}`);
}

/** An INT argument as an exact bigint (for 64-bit bit manipulation and radix formatting). */
export function big(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw RhaiError.mismatch(`Expected an integer, got ${typeOf(v)}`);
}

/**
 * Rhai's offset/length normalisation for "start + len" arguments: a negative start counts from
 * the end (clamped to 0), a start at or past the end yields an empty span, and the length is
 * clamped to what remains.
 */
export function offsetLen(length: number, start: number, len: number): [number, number] {
  let s: number;
  if (start < 0) {
    s = length - Math.min(-start, length);
  } else if (start >= length) {
    return [length, 0];
  } else {
    s = start;
  }
  const l = len <= 0 ? 0 : Math.min(len, length - s);
  return [s, l];
}

/**
 * Rhai's single-position normalisation: negative positions count from the end; anything outside
 * `0..length` yields -1 so callers can apply the function's own out-of-bounds rule.
 */
export function position(length: number, index: number): number {
  if (index < 0) {
    const abs = -index;
    return abs <= length ? length - abs : -1;
  }
  return index < length ? index : -1;
}

/**
 * Start and length of a range argument as Rhai's slicing functions read it. Exclusive ranges
 * give `end - start` elements; inclusive ranges give `end - start + 1`, and (as in Rhai) a
 * reversed inclusive range still covers its start element.
 */
export function rangeSpan(r: RRange): [number, number] {
  const start = Math.max(r.start, 0);
  const end = Math.max(r.end, start);
  return [start, r.inclusive ? end - start + 1 : end - start];
}

/**
 * Start and length of a range argument for the iterator functions (`chars`, `bits`): a reversed
 * inclusive range is empty there.
 */
export function rangeSpanForIteration(r: RRange): [number, number] {
  const start = Math.max(r.start, 0);
  if (r.inclusive) return [start, Math.max(r.end, start - 1) - start + 1];
  return [start, Math.max(r.end, start) - start];
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** True when every character of `s` is one UTF-16 unit, so char indices equal JS indices. */
export function isBmpOnly(s: string): boolean {
  return !SURROGATE.test(s);
}

/**
 * The characters (Unicode scalar values) of a string, each as a JS string. Only for strings known
 * to be small: callers with user-sized strings check the character count against the array caps
 * first.
 */
export function charsOf(s: string): string[] {
  return Array.from(s);
}

/** UTF-16 width (1 or 2) of the character starting at unit `u` (a lone surrogate counts as 1). */
export function charWidthAt(s: string, u: number): number {
  const c = s.charCodeAt(u);
  if (c >= 0xd800 && c <= 0xdbff && u + 1 < s.length) {
    const d = s.charCodeAt(u + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** The UTF-16 offset `chars` characters after unit offset `from` (clamped to the string). */
export function advanceChars(s: string, from: number, chars: number): number {
  let unit = from;
  for (let n = 0; n < chars && unit < s.length; n++) unit += charWidthAt(s, unit);
  return unit;
}

/** Number of characters in a string (a lone surrogate counts as one, as everywhere here). */
export function charLength(s: string): number {
  if (isBmpOnly(s)) return s.length;
  let n = s.length;
  for (let u = 0; u + 1 < s.length; u++) {
    const c = s.charCodeAt(u);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(u + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        u++;
      }
    }
  }
  return n;
}

/** Characters `start .. start+len` of a string, counted in Unicode scalar values. */
export function charSlice(s: string, start: number, len: number): string {
  if (len <= 0) return '';
  if (isBmpOnly(s)) return s.slice(start, start + len);
  // Walk to the span instead of splitting the whole string into characters: no allocation
  // proportional to the string, however long it is.
  const from = advanceChars(s, 0, start);
  return s.slice(from, advanceChars(s, from, len));
}

/** Convert a UTF-16 offset within `s` to a character offset. */
export function charIndexOfUnit(s: string, unit: number): number {
  if (unit <= 0) return 0;
  return isBmpOnly(s) ? unit : charLength(s.slice(0, unit));
}

/** Convert a character offset within `s` to a UTF-16 offset (clamped to the string). */
export function unitIndexOfChar(s: string, chars: number): number {
  if (chars <= 0) return 0;
  if (isBmpOnly(s)) return Math.min(chars, s.length);
  return advanceChars(s, 0, chars);
}

/** Whitespace as Rust's `char::is_whitespace` defines it (Unicode White_Space). */
export const WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** True for a UTF-16 unit that is whitespace by Rust's definition (all are single units). */
export function isWhitespaceUnit(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

// Trimming walks from the ends instead of using `/\s+$/`-style regexes: a backtracking regex
// engine retries such a pattern at every start of a whitespace run, which is quadratic on a
// long run that does not reach the end of the string (seconds for a few ten thousand spaces).

/** Remove leading whitespace (Rust's definition, which differs slightly from JS `trim`). */
export function trimStart(s: string): string {
  let i = 0;
  while (i < s.length && isWhitespaceUnit(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** Remove trailing whitespace (Rust's definition). */
export function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isWhitespaceUnit(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Hard caps that hold whatever the engine's limits say (including 0 = unlimited), shared with the
 * runtime: they keep every value a native builds within what V8 can represent, so a script gets
 * ErrorDataTooLarge instead of aborting the whole process. Always checked before allocating.
 */
export { BYTES_PER_OPERATION, HARD_LIMITS };

/** Refuse a string longer than the engine's `maxStringSize` (counted in characters). */
export function checkStringSize(ctx: NativeCallContext, s: string): string {
  const max = ctx.limits.maxStringSize;
  // A string never has more characters than UTF-16 units, so the unit count is a cheap pre-check.
  if (max > 0 && s.length > max && charLength(s) > max) {
    throw RhaiError.tooLarge('Length of string', ctx.position);
  }
  return s;
}

/** Refuse a string that would exceed `maxStringSize` characters, before building it. */
export function checkStringLength(ctx: NativeCallContext, chars: number): void {
  const max = ctx.limits.maxStringSize;
  if (max > 0 && chars > max) throw RhaiError.tooLarge('Length of string', ctx.position);
}

/** Refuse a string of `units` UTF-16 units that V8 could not even represent, before building it. */
export function checkStringUnits(ctx: NativeCallContext, units: number): void {
  if (units > HARD_LIMITS.stringLength) throw RhaiError.tooLarge('Length of string', ctx.position);
}

/** Largest array a native may build: `maxArraySize` when set, never more than the hard cap. */
export function arrayCap(ctx: NativeCallContext): number {
  return effectiveLimit(ctx.limits.maxArraySize, HARD_LIMITS.arraySize);
}

/** Refuse an array that would exceed `maxArraySize` elements (or the hard cap). */
export function checkArraySize(ctx: NativeCallContext, size: number): void {
  if (size > arrayCap(ctx)) throw RhaiError.tooLarge('Size of array', ctx.position);
}

/**
 * Refuse an array only beyond the hard cap: for arrays that stand in for Rhai's lazy iterators
 * (`chars`), which `maxArraySize` does not limit in Rhai.
 */
export function checkHardArraySize(ctx: NativeCallContext, size: number): void {
  if (size > HARD_LIMITS.arraySize) throw RhaiError.tooLarge('Size of array', ctx.position);
}

/** Largest BLOB a native may build: `maxArraySize` when set, never more than the hard cap. */
export function blobCap(ctx: NativeCallContext): number {
  return effectiveLimit(ctx.limits.maxArraySize, HARD_LIMITS.blobSize);
}

/** Refuse a BLOB that would exceed `maxArraySize` bytes (Rhai limits BLOBs like arrays), or the hard cap. */
export function checkBlobSize(ctx: NativeCallContext, size: number): void {
  if (size > blobCap(ctx)) throw RhaiError.tooLarge('Size of BLOB', ctx.position);
}

/** Refuse an object map that would exceed `maxMapSize` properties (or the hard cap). */
export function checkMapSize(ctx: NativeCallContext, size: number): void {
  if (size > effectiveLimit(ctx.limits.maxMapSize, HARD_LIMITS.mapSize)) {
    throw RhaiError.tooLarge('Size of object map', ctx.position);
  }
}

/**
 * Elements processed between two charges in chunked loops: small enough that the deadline and
 * `onProgress` are polled every few milliseconds, large enough that charging costs nothing.
 */
export const CHUNK = 1 << 16;

/**
 * Charge the operation budget for work proportional to a collection's size, so a single native
 * call over a huge array cannot escape `maxOperations`. Elements count one each.
 */
export function chargeElements(ctx: NativeCallContext, n: number): void {
  if (n > 0) ctx.addOperations(n);
}

/** Comparisons per operation charged while sorting. */
export const COMPARISONS_PER_OPERATION = 16;

/** The keys of `map` in Rhai's order, the sort charged (n log n comparisons) before it runs. */
export function chargedSortedKeys(ctx: NativeCallContext, map: Map<string, Value>): string[] {
  const n = map.size;
  if (n > 1) ctx.addOperations(Math.ceil((n * Math.log2(n)) / COMPARISONS_PER_OPERATION));
  return sortedKeys(map);
}

/** Charge for scanning or copying `n` characters or bytes (cheaper than script-visible elements). */
export function chargeBytes(ctx: NativeCallContext, n: number): void {
  if (n >= BYTES_PER_OPERATION) ctx.addOperations(Math.floor(n / BYTES_PER_OPERATION));
}

/**
 * Run `body(from, to)` over `0..n` in chunks of {@link CHUNK}, charging each chunk before it runs
 * (`perElement` true: one operation per element; false: one per {@link BYTES_PER_OPERATION}).
 * Charging between chunks is what lets the deadline or `onProgress` stop a long native call.
 */
export function chunked(
  ctx: NativeCallContext,
  n: number,
  perElement: boolean,
  body: (from: number, to: number) => void,
): void {
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    if (perElement) chargeElements(ctx, to - from);
    else chargeBytes(ctx, to - from);
    body(from, to);
  }
}

/** A user-supplied string shortened for an error message (the whole text could be huge). */
export function excerpt(s: string, max = 100): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
