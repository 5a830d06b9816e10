/**
 * Building blocks shared by the standard-library packages: building `NativeFnDef`s, reading INT
 * arguments, Rhai's index arithmetic (negative positions count from the end), Unicode-scalar
 * string slicing, and the size limits every growing operation must respect.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext, NativeFn, NativeFnDef, ParamType } from '../runtime/native.js';
import { RFloat, type RRange, stringCharLength, typeOf, type Value } from '../runtime/value.js';

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

/** The characters (Unicode scalar values) of a string, each as a JS string. */
export function charsOf(s: string): string[] {
  return Array.from(s);
}

/** Number of characters in a string. */
export function charLength(s: string): number {
  return isBmpOnly(s) ? s.length : stringCharLength(s);
}

/** Characters `start .. start+len` of a string, counted in Unicode scalar values. */
export function charSlice(s: string, start: number, len: number): string {
  if (len <= 0) return '';
  if (isBmpOnly(s)) return s.slice(start, start + len);
  return charsOf(s)
    .slice(start, start + len)
    .join('');
}

/** Convert a UTF-16 offset within `s` to a character offset. */
export function charIndexOfUnit(s: string, unit: number): number {
  if (unit <= 0) return 0;
  return isBmpOnly(s) ? unit : stringCharLength(s.slice(0, unit));
}

/** Convert a character offset within `s` to a UTF-16 offset (clamped to the string). */
export function unitIndexOfChar(s: string, chars: number): number {
  if (chars <= 0) return 0;
  if (isBmpOnly(s)) return Math.min(chars, s.length);
  let unit = 0;
  for (let n = 0; n < chars && unit < s.length; n++) {
    const c = s.charCodeAt(unit);
    unit += c >= 0xd800 && c <= 0xdbff && unit + 1 < s.length ? 2 : 1;
  }
  return unit;
}

/** Whitespace as Rust's `char::is_whitespace` defines it (Unicode White_Space). */
export const WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const TRIM_START = new RegExp(`^[${WHITESPACE_CLASS}]+`);
const TRIM_END = new RegExp(`[${WHITESPACE_CLASS}]+$`);

/** Remove leading whitespace (Rust's definition, which differs slightly from JS `trim`). */
export function trimStart(s: string): string {
  return s.replace(TRIM_START, '');
}

/** Remove trailing whitespace (Rust's definition). */
export function trimEnd(s: string): string {
  return s.replace(TRIM_END, '');
}

/** Refuse a string longer than the engine's `maxStringSize` (counted in characters). */
export function checkStringSize(ctx: NativeCallContext, s: string): string {
  const max = ctx.limits.maxStringSize;
  // A string never has more characters than UTF-16 units, so the unit count is a cheap pre-check.
  if (max > 0 && s.length > max && stringCharLength(s) > max) {
    throw RhaiError.tooLarge('Length of string', ctx.position);
  }
  return s;
}

/** Refuse a string that would exceed `maxStringSize` characters, before building it. */
export function checkStringLength(ctx: NativeCallContext, chars: number): void {
  const max = ctx.limits.maxStringSize;
  if (max > 0 && chars > max) throw RhaiError.tooLarge('Length of string', ctx.position);
}

/** Refuse an array that would exceed `maxArraySize` elements. */
export function checkArraySize(ctx: NativeCallContext, size: number): void {
  const max = ctx.limits.maxArraySize;
  if (max > 0 && size > max) throw RhaiError.tooLarge('Size of array', ctx.position);
}

/** Refuse a BLOB that would exceed `maxArraySize` bytes (Rhai limits BLOBs like arrays). */
export function checkBlobSize(ctx: NativeCallContext, size: number): void {
  const max = ctx.limits.maxArraySize;
  if (max > 0 && size > max) throw RhaiError.tooLarge('Size of BLOB', ctx.position);
}

/** Refuse an object map that would exceed `maxMapSize` properties. */
export function checkMapSize(ctx: NativeCallContext, size: number): void {
  const max = ctx.limits.maxMapSize;
  if (max > 0 && size > max) throw RhaiError.tooLarge('Size of object map', ctx.position);
}

/**
 * Charge the operation budget for work proportional to a collection's size, so a single native
 * call over a huge array cannot escape `maxOperations`. Elements count one each.
 */
export function chargeElements(ctx: NativeCallContext, n: number): void {
  if (n > 0) ctx.addOperations(n);
}

/** Charge for scanning `n` characters or bytes (cheaper than script-visible elements). */
export function chargeBytes(ctx: NativeCallContext, n: number): void {
  if (n >= 64) ctx.addOperations(Math.floor(n / 64));
}
