/**
 * Indexing of the built-in types: arrays and blobs (negative indices count from the end), strings
 * (by character), object maps (by property name) and integers as bit-fields (bits and bit ranges).
 * Setters return the container: the same object for mutable containers, a new value for strings
 * and integers (the caller writes it back).
 */
import { RhaiError } from '../errors.js';
import { NOT_BUILTIN, type OpResult } from './ops.js';
import { RBlob, RChar, RRange, typeOf, type Value } from './value.js';

function intIndex(idx: Value): number | undefined {
  if (typeof idx === 'number' && Number.isInteger(idx)) return idx;
  if (typeof idx === 'bigint') return Number(idx);
  return undefined;
}

function arrayBounds(len: number, idx: Value): RhaiError {
  const what =
    len === 0 ? 'array is empty' : len === 1 ? 'only 1 element in array' : `only ${len} elements in array`;
  const e = new RhaiError('ErrorArrayBounds', `Array index ${idx} out of bounds: ${what}`);
  e.details = { length: len, index: idx };
  return e;
}

function stringBounds(len: number, idx: Value): RhaiError {
  const what =
    len === 0
      ? 'string is empty'
      : len === 1
        ? 'only 1 character in string'
        : `only ${len} characters in string`;
  const e = new RhaiError('ErrorStringBounds', `String index ${idx} out of bounds: ${what}`);
  e.details = { length: len, index: idx };
  return e;
}

function bitBounds(idx: number | bigint): RhaiError {
  const e = new RhaiError(
    'ErrorBitFieldBounds',
    `Bit-field index ${idx} out of bounds: only 64 bits in bit-field`,
  );
  e.details = { length: 64, index: idx };
  return e;
}

function wrongIndexType(container: Value, idx: Value, expected: string): RhaiError {
  return new RhaiError(
    'ErrorMismatchDataType',
    `Data type incorrect: ${typeOf(idx)} (expecting ${expected}) for indexing ${typeOf(container)}`,
  );
}

/** Resolve a possibly negative index against a length; -1 when out of bounds. */
function normalize(idx: number, len: number): number {
  const i = idx < 0 ? idx + len : idx;
  return i >= 0 && i < len ? i : -1;
}

/** The code points of a string (only computed for non-ASCII strings). */
function charAt(s: string, idx: number): string | undefined {
  if (!/[\ud800-\udfff]/.test(s)) {
    const i = normalize(idx, s.length);
    return i < 0 ? undefined : s[i];
  }
  const chars = [...s];
  const i = normalize(idx, chars.length);
  return i < 0 ? undefined : chars[i];
}

function charCount(s: string): number {
  return /[\ud800-\udfff]/.test(s) ? [...s].length : s.length;
}

function toU64(v: number | bigint): bigint {
  return BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v));
}

function fromU64(v: bigint): number | bigint {
  const s = BigInt.asIntN(64, v);
  return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s;
}

function bitNumber(idx: number): number {
  const bit = idx < 0 ? 64 + idx : idx;
  if (bit < 0 || bit >= 64) throw bitBounds(idx);
  return bit;
}

/** The bits `[start, end)` a range selects; both ends must lie within the 64 bits. */
function bitRange(r: RRange): [number, number] {
  if (r.exactStart < 0 || r.exactStart >= 64) throw bitBounds(r.exactStart);
  const end = r.endExclusive;
  if (r.exactEnd > 64 || end > 64) throw bitBounds(r.exactEnd);
  return [r.start, Math.max(r.start, end)];
}

/**
 * The characters `[from, to)` a range selects in a string of `len` characters: negative bounds
 * count from the end, bounds are clamped to the string, and a range whose (normalised) start is
 * not before its end is empty, as in Rhai.
 */
function stringSpan(r: RRange, len: number): [number, number] {
  const from = Math.min(len, Math.max(0, r.start < 0 ? len + r.start : r.start));
  const end = Math.max(0, r.end < 0 ? len + r.end : r.end);
  if (from >= end) return [from, from];
  return [from, Math.min(len, r.inclusive ? end + 1 : end)];
}

/** `container[idx]` for built-in types. */
export function indexGet(c: Value, idx: Value): OpResult {
  if (Array.isArray(c)) {
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const i = normalize(n, c.length);
    if (i < 0) throw arrayBounds(c.length, idx);
    return c[i];
  }
  if (c instanceof Map) {
    if (typeof idx === 'string') return c.get(idx);
    if (idx instanceof RChar) return c.get(idx.str);
    throw wrongIndexType(c, idx, 'string');
  }
  if (typeof c === 'string') {
    if (idx instanceof RRange) {
      const chars = /[\ud800-\udfff]/.test(c) ? [...c] : null;
      const [a, b] = stringSpan(idx, chars === null ? c.length : chars.length);
      return chars === null ? c.slice(a, b) : chars.slice(a, b).join('');
    }
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const ch = charAt(c, n);
    if (ch === undefined) throw stringBounds(charCount(c), idx);
    return RChar.fromString(ch);
  }
  if (typeof c === 'number' || typeof c === 'bigint') {
    if (!Number.isInteger(c) && typeof c === 'number') return NOT_BUILTIN;
    if (idx instanceof RRange) {
      const [s, e] = bitRange(idx);
      if (e <= s) return 0;
      const mask = (1n << BigInt(e - s)) - 1n;
      return fromU64((toU64(c) >> BigInt(s)) & mask);
    }
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const bit = bitNumber(n);
    if (typeof c === 'number' && bit < 31 && c >= -0x80000000 && c <= 0x7fffffff)
      return ((c >> bit) & 1) === 1;
    return ((toU64(c) >> BigInt(bit)) & 1n) === 1n;
  }
  if (c instanceof RBlob) {
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const i = normalize(n, c.length);
    if (i < 0) throw arrayBounds(c.length, idx);
    return c.bytes[i];
  }
  return NOT_BUILTIN;
}

/** `container[idx] = v` for built-in types; returns the (possibly new) container. */
export function indexSet(c: Value, idx: Value, v: Value, maxMapSize: number): OpResult {
  if (Array.isArray(c)) {
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const i = normalize(n, c.length);
    if (i < 0) throw arrayBounds(c.length, idx);
    c[i] = v;
    return c;
  }
  if (c instanceof Map) {
    const key = typeof idx === 'string' ? idx : idx instanceof RChar ? idx.str : undefined;
    if (key === undefined) throw wrongIndexType(c, idx, 'string');
    if (maxMapSize > 0 && !c.has(key) && c.size >= maxMapSize) throw RhaiError.tooLarge('Size of object map');
    c.set(key, v);
    return c;
  }
  if (typeof c === 'string') {
    if (idx instanceof RRange) {
      // A slice is replaced by a string (or a char) of any length.
      const text = typeof v === 'string' ? v : v instanceof RChar ? v.str : undefined;
      if (text === undefined) {
        throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting string)`);
      }
      const chars = [...c];
      const [a, b] = stringSpan(idx, chars.length);
      return chars.slice(0, a).join('') + text + chars.slice(b).join('');
    }
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    if (!(v instanceof RChar)) {
      throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting char)`);
    }
    const chars = [...c];
    const i = normalize(n, chars.length);
    if (i < 0) throw stringBounds(chars.length, idx);
    chars[i] = v.str;
    return chars.join('');
  }
  if (typeof c === 'number' || typeof c === 'bigint') {
    if (typeof c === 'number' && !Number.isInteger(c)) return NOT_BUILTIN;
    const u = toU64(c);
    if (idx instanceof RRange) {
      const [s, e] = bitRange(idx);
      if (e <= s) return c;
      const nv = intIndex(v);
      if (nv === undefined)
        throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting i64)`);
      const mask = ((1n << BigInt(e - s)) - 1n) << BigInt(s);
      const bits = (toU64(typeof v === 'bigint' ? v : nv) << BigInt(s)) & mask;
      return fromU64((u & ~mask) | bits);
    }
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const bit = BigInt(bitNumber(n));
    if (typeof v !== 'boolean') {
      throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting bool)`);
    }
    return fromU64(v ? u | (1n << bit) : u & ~(1n << bit));
  }
  if (c instanceof RBlob) {
    const n = intIndex(idx);
    if (n === undefined) throw wrongIndexType(c, idx, 'i64');
    const i = normalize(n, c.length);
    if (i < 0) throw arrayBounds(c.length, idx);
    const b = intIndex(v);
    if (b === undefined)
      throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting i64)`);
    c.set(i, b);
    return c;
  }
  return NOT_BUILTIN;
}
