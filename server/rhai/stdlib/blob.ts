/**
 * BLOB functions: byte buffers. Byte values are the low 8 bits of the INT given; positions follow
 * the array rules (negative counts from the end). BLOBs are limited by `maxArraySize` and, even
 * when that is 0 (unlimited), by a hard cap checked before any allocation.
 * `parse_le_int`/`write_be`... read and write 64-bit INTs and FLOATs at any position, padding
 * short spans with zeros and ignoring extra bytes.
 */
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import {
  floatValue,
  makeFloat,
  makeInt,
  RBlob,
  type RChar,
  type RRange,
  type Value,
} from '../runtime/value.js';
import { utf8Decode, utf8Encode, utf8EncodeWithin } from './string.js';
import {
  big,
  blobCap,
  chargeBytes,
  checkArraySize,
  checkBlobSize,
  checkStringSize,
  chunked,
  def,
  defWithGetter,
  num,
  offsetLen,
  position,
  rangeSpan,
} from './support.js';

/** Number of bytes in an INT or FLOAT. */
const WORD = 8;

/** The byte value of an INT argument (its low 8 bits). */
function byte(v: Value): number {
  return Number(big(v) & 0xffn);
}

/** A new BLOB holding `len` copies of `value`. */
function filled(ctx: NativeCallContext, len: number, value: number): RBlob {
  if (len <= 0) return new RBlob();
  checkBlobSize(ctx, len);
  chargeBytes(ctx, len);
  const b = new RBlob(len);
  if (value !== 0) b.bytes.fill(value, 0, len);
  return b;
}

/** Replace the contents of `blob` with `bytes`. */
function replaceContents(blob: RBlob, bytes: Uint8Array): void {
  blob.length = 0;
  blob.append(bytes);
}

/** A copy of `len` bytes from `start`. */
function extract(ctx: NativeCallContext, blob: RBlob, start: number, len: number): RBlob {
  if (blob.length === 0 || len <= 0) return new RBlob();
  const [s, l] = offsetLen(blob.length, start, len);
  chargeBytes(ctx, l);
  return new RBlob(blob.bytes.subarray(s, s + l));
}

/** Remove and return `len` bytes from `start`. */
function drain(ctx: NativeCallContext, blob: RBlob, start: number, len: number): RBlob {
  if (blob.length === 0 || len <= 0) return new RBlob();
  const [s, l] = offsetLen(blob.length, start, len);
  if (l === 0) return new RBlob();
  chargeBytes(ctx, blob.length);
  const out = new RBlob(blob.bytes.subarray(s, s + l));
  blob.bytes.copyWithin(s, s + l, blob.length);
  blob.length -= l;
  return out;
}

/** Keep only `len` bytes from `start`; return the removed bytes (those before, then after). */
function retain(ctx: NativeCallContext, blob: RBlob, start: number, len: number): RBlob {
  const [s, l] = len <= 0 ? [0, 0] : offsetLen(blob.length, start, len);
  chargeBytes(ctx, blob.length);
  const view = blob.view();
  const removed = new RBlob(view.subarray(0, s));
  removed.append(view.subarray(s + l));
  replaceContents(blob, view.slice(s, s + l));
  return removed;
}

/** Replace `len` bytes from `start` with the bytes of `replacement`. */
function splice(ctx: NativeCallContext, blob: RBlob, start: number, len: number, replacement: RBlob): void {
  const add = replacement.toUint8Array();
  if (blob.length === 0) {
    checkBlobSize(ctx, add.length);
    blob.append(add);
    return;
  }
  const [s, l] = offsetLen(blob.length, start, len);
  checkBlobSize(ctx, blob.length - l + add.length);
  chargeBytes(ctx, blob.length + add.length);
  const view = blob.view();
  const tail = view.slice(s + l);
  blob.length = s;
  blob.append(add);
  blob.append(tail);
}

/** The 8 bytes of an INT, in the given byte order. */
function intBytes(v: Value, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(WORD);
  new DataView(out.buffer).setBigInt64(0, big(v), littleEndian);
  return out;
}

/** The 8 bytes of a FLOAT, in the given byte order. */
function floatBytes(v: Value, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(WORD);
  new DataView(out.buffer).setFloat64(0, floatValue(v), littleEndian);
  return out;
}

/** Up to 8 bytes from `start`, zero-padded, or null when the span is empty. */
function readWord(blob: RBlob, start: number, len: number): DataView | null {
  if (blob.length === 0 || len <= 0) return null;
  const [s, l] = offsetLen(blob.length, start, len);
  if (l === 0) return null;
  const buf = new Uint8Array(WORD);
  buf.set(blob.bytes.subarray(s, s + Math.min(l, WORD)));
  return new DataView(buf.buffer);
}

/** Parse an INT from a span of the BLOB. */
function parseInt64(blob: RBlob, start: number, len: number, littleEndian: boolean): Value {
  const view = readWord(blob, start, len);
  return view === null ? 0 : makeInt(view.getBigInt64(0, littleEndian));
}

/** Parse a FLOAT from a span of the BLOB. */
function parseFloat64(blob: RBlob, start: number, len: number, littleEndian: boolean): Value {
  const view = readWord(blob, start, len);
  return makeFloat(view === null ? 0 : view.getFloat64(0, littleEndian));
}

/**
 * Copy as many bytes of `encode(limit)` as fit in the span `start`/`len` of the BLOB. `encode`
 * gets the span length so it never encodes more than can be written.
 */
function writeBytes(blob: RBlob, start: number, len: number, encode: (limit: number) => Uint8Array): void {
  if (blob.length === 0 || len <= 0) return;
  const [s, l] = offsetLen(blob.length, start, len);
  if (l === 0) return;
  const data = encode(l);
  blob.bytes.set(data.subarray(0, Math.min(l, data.length)), s);
}

/** The UTF-8 bytes of a string, at least the first `limit` of them (not the whole of a huge string). */
function utf8Prefix(s: string, limit: number): Uint8Array {
  // Each UTF-16 unit takes at least one byte, so `limit` units (plus one, to keep a surrogate pair
  // whole) cover the first `limit` bytes.
  return utf8Encode(s.length > limit + 1 ? s.slice(0, limit + 1) : s);
}

/** The ASCII characters of a string as bytes (other characters are skipped), at most `limit`. */
function asciiBytes(s: string, limit: number): Uint8Array {
  const out = new Uint8Array(Math.min(limit, s.length));
  let n = 0;
  for (let i = 0; i < s.length && n < out.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
  }
  return out.subarray(0, n);
}

type Reader = (blob: RBlob, start: number, len: number, littleEndian: boolean) => Value;

/** `parse_*` in its range and start/length forms. */
function parsers(name: string, read: Reader, littleEndian: boolean): NativeFnDef[] {
  return [
    def(name, ['blob', 'int', 'int'], (_ctx, [b, start, len]) =>
      read(b as RBlob, num(start), num(len), littleEndian),
    ),
    def(name, ['blob', 'range'], (_ctx, [b, r]) => {
      const [start, len] = rangeSpan(r as RRange);
      return read(b as RBlob, start, len, littleEndian);
    }),
  ];
}

/** `write_*` in its range and start/length forms, for a value type and its byte encoding. */
function writers(
  name: string,
  type: 'int' | 'float' | 'string',
  encode: (v: Value, limit: number) => Uint8Array,
): NativeFnDef[] {
  return [
    def(
      name,
      ['blob', 'int', 'int', type],
      (_ctx, [b, start, len, v]) => {
        writeBytes(b as RBlob, num(start), num(len), (limit) => encode(v, limit));
        return undefined;
      },
      true,
    ),
    def(
      name,
      ['blob', 'range', type],
      (_ctx, [b, r, v]) => {
        const [start, len] = rangeSpan(r as RRange);
        writeBytes(b as RBlob, start, len, (limit) => encode(v, limit));
        return undefined;
      },
      true,
    ),
  ];
}

/** `to_array`: the bytes as an array of INTs, within the array limits. */
function toArray(ctx: NativeCallContext, blob: RBlob): Value[] {
  const n = blob.length;
  checkArraySize(ctx, n);
  const bytes = blob.bytes;
  const out: Value[] = new Array(n);
  chunked(ctx, n, false, (from, to) => {
    for (let i = from; i < to; i++) out[i] = bytes[i];
  });
  return out;
}

/** `as_string`: the bytes decoded as UTF-8 (invalid sequences replaced), within the string limit. */
function asString(ctx: NativeCallContext, blob: RBlob): string {
  // Decoding never yields more UTF-16 units than there are bytes, and a BLOB is far below V8's
  // string length limit, so only `maxStringSize` can refuse the result.
  chargeBytes(ctx, blob.length);
  return checkStringSize(ctx, utf8Decode(blob.view()));
}

/** Append bytes to a BLOB, respecting the size limit. */
function appendBytes(ctx: NativeCallContext, blob: RBlob, bytes: Uint8Array): undefined {
  checkBlobSize(ctx, blob.length + bytes.length);
  chargeBytes(ctx, bytes.length);
  blob.append(bytes);
  return undefined;
}

/** The BLOB package. */
export const blobFunctions: readonly NativeFnDef[] = [
  // Construction and conversion
  def('blob', [], () => new RBlob()),
  def('blob', ['int'], (ctx, [len]) => filled(ctx, num(len), 0)),
  def('blob', ['int', 'int'], (ctx, [len, v]) => filled(ctx, num(len), byte(v))),
  def('to_array', ['blob'], (ctx, [b]) => toArray(ctx, b as RBlob)),
  def('as_string', ['blob'], (ctx, [b]) => asString(ctx, b as RBlob)),

  // Size and access
  ...defWithGetter('len', 'blob', (_ctx, [b]) => (b as RBlob).length),
  ...defWithGetter('is_empty', 'blob', (_ctx, [b]) => (b as RBlob).length === 0),
  def('contains', ['blob', 'int'], (ctx, [b, v]) => {
    chargeBytes(ctx, (b as RBlob).length);
    return (b as RBlob).view().includes(byte(v));
  }),
  def('get', ['blob', 'int'], (_ctx, [b, index]) => {
    const blob = b as RBlob;
    const i = position(blob.length, num(index));
    return i < 0 ? 0 : blob.bytes[i];
  }),
  def(
    'set',
    ['blob', 'int', 'int'],
    (_ctx, [b, index, v]) => {
      const blob = b as RBlob;
      const i = position(blob.length, num(index));
      if (i >= 0) blob.bytes[i] = byte(v);
      return undefined;
    },
    true,
  ),

  // Growing
  def('push', ['blob', 'int'], (ctx, [b, v]) => appendBytes(ctx, b as RBlob, Uint8Array.of(byte(v))), true),
  def('append', ['blob', 'int'], (ctx, [b, v]) => appendBytes(ctx, b as RBlob, Uint8Array.of(byte(v))), true),
  def(
    'append',
    ['blob', 'blob'],
    (ctx, [b, other]) => appendBytes(ctx, b as RBlob, (other as RBlob).toUint8Array()),
    true,
  ),
  def(
    'append',
    ['blob', 'string'],
    (ctx, [b, s]) => {
      const blob = b as RBlob;
      return appendBytes(ctx, blob, utf8EncodeWithin(ctx, s as string, blobCap(ctx) - blob.length));
    },
    true,
  ),
  def(
    'append',
    ['blob', 'char'],
    (ctx, [b, c]) => appendBytes(ctx, b as RBlob, utf8Encode((c as RChar).str)),
    true,
  ),
  def(
    'insert',
    ['blob', 'int', 'int'],
    (ctx, [b, index, v]) => {
      const blob = b as RBlob;
      checkBlobSize(ctx, blob.length + 1);
      const [at] = offsetLen(blob.length, num(index), 0);
      if (at >= blob.length) {
        blob.push(byte(v));
      } else {
        chargeBytes(ctx, blob.length - at);
        blob.reserve(blob.length + 1);
        blob.bytes.copyWithin(at + 1, at, blob.length);
        blob.bytes[at] = byte(v);
        blob.length++;
      }
      return undefined;
    },
    true,
  ),
  def(
    'pad',
    ['blob', 'int', 'int'],
    (ctx, [b, len, v]) => {
      const blob = b as RBlob;
      const target = num(len);
      if (target <= 0) return undefined;
      checkBlobSize(ctx, target);
      if (target > blob.length) {
        chargeBytes(ctx, target - blob.length);
        blob.resize(target, byte(v));
      }
      return undefined;
    },
    true,
  ),

  // Shrinking
  def(
    'pop',
    ['blob'],
    (_ctx, [b]) => {
      const blob = b as RBlob;
      if (blob.length === 0) return 0;
      blob.length--;
      return blob.bytes[blob.length];
    },
    true,
  ),
  def(
    'shift',
    ['blob'],
    (ctx, [b]) => {
      const blob = b as RBlob;
      if (blob.length === 0) return 0;
      chargeBytes(ctx, blob.length);
      const first = blob.bytes[0];
      blob.bytes.copyWithin(0, 1, blob.length);
      blob.length--;
      return first;
    },
    true,
  ),
  def(
    'remove',
    ['blob', 'int'],
    (ctx, [b, index]) => {
      const blob = b as RBlob;
      const i = position(blob.length, num(index));
      if (i < 0) return 0;
      chargeBytes(ctx, blob.length);
      const v = blob.bytes[i];
      blob.bytes.copyWithin(i, i + 1, blob.length);
      blob.length--;
      return v;
    },
    true,
  ),
  def(
    'clear',
    ['blob'],
    (_ctx, [b]) => {
      (b as RBlob).length = 0;
      return undefined;
    },
    true,
  ),
  def(
    'truncate',
    ['blob', 'int'],
    (_ctx, [b, len]) => {
      const blob = b as RBlob;
      const n = num(len);
      if (n <= 0) blob.length = 0;
      else if (n < blob.length) blob.length = n;
      return undefined;
    },
    true,
  ),
  def(
    'chop',
    ['blob', 'int'],
    (ctx, [b, len]) => {
      const blob = b as RBlob;
      const n = num(len);
      if (n <= 0) blob.length = 0;
      else if (n < blob.length) {
        chargeBytes(ctx, n);
        blob.bytes.copyWithin(0, blob.length - n, blob.length);
        blob.length = n;
      }
      return undefined;
    },
    true,
  ),
  def(
    'reverse',
    ['blob'],
    (ctx, [b]) => {
      chargeBytes(ctx, (b as RBlob).length);
      (b as RBlob).view().reverse();
      return undefined;
    },
    true,
  ),
  def(
    'split',
    ['blob', 'int'],
    (ctx, [b, index]) => {
      const blob = b as RBlob;
      if (blob.length === 0) return new RBlob();
      const [start] = offsetLen(blob.length, num(index), 0);
      if (start >= blob.length) return new RBlob();
      chargeBytes(ctx, blob.length - start);
      const out = new RBlob(blob.bytes.subarray(start, blob.length));
      blob.length = start;
      return out;
    },
    true,
  ),

  // Portions
  def('extract', ['blob', 'int'], (ctx, [b, start]) =>
    extract(ctx, b as RBlob, num(start), Number.MAX_SAFE_INTEGER),
  ),
  def('extract', ['blob', 'int', 'int'], (ctx, [b, start, len]) =>
    extract(ctx, b as RBlob, num(start), num(len)),
  ),
  def('extract', ['blob', 'range'], (ctx, [b, r]) => {
    const [start, len] = rangeSpan(r as RRange);
    return extract(ctx, b as RBlob, start, len);
  }),
  def(
    'drain',
    ['blob', 'int', 'int'],
    (ctx, [b, start, len]) => drain(ctx, b as RBlob, num(start), num(len)),
    true,
  ),
  def(
    'drain',
    ['blob', 'range'],
    (ctx, [b, r]) => {
      const [start, len] = rangeSpan(r as RRange);
      return drain(ctx, b as RBlob, start, len);
    },
    true,
  ),
  def(
    'retain',
    ['blob', 'int', 'int'],
    (ctx, [b, start, len]) => retain(ctx, b as RBlob, num(start), num(len)),
    true,
  ),
  def(
    'retain',
    ['blob', 'range'],
    (ctx, [b, r]) => {
      const [start, len] = rangeSpan(r as RRange);
      return retain(ctx, b as RBlob, start, len);
    },
    true,
  ),
  def(
    'splice',
    ['blob', 'int', 'int', 'blob'],
    (ctx, [b, start, len, other]) => {
      splice(ctx, b as RBlob, num(start), num(len), other as RBlob);
      return undefined;
    },
    true,
  ),
  def(
    'splice',
    ['blob', 'range', 'blob'],
    (ctx, [b, r, other]) => {
      const [start, len] = rangeSpan(r as RRange);
      splice(ctx, b as RBlob, start, len, other as RBlob);
      return undefined;
    },
    true,
  ),

  // Binary encoding
  ...parsers('parse_le_int', parseInt64, true),
  ...parsers('parse_be_int', parseInt64, false),
  ...parsers('parse_le_float', parseFloat64, true),
  ...parsers('parse_be_float', parseFloat64, false),
  ...writers('write_le', 'int', (v) => intBytes(v, true)),
  ...writers('write_be', 'int', (v) => intBytes(v, false)),
  ...writers('write_le', 'float', (v) => floatBytes(v, true)),
  ...writers('write_be', 'float', (v) => floatBytes(v, false)),
  ...writers('write_utf8', 'string', (v, limit) => utf8Prefix(v as string, limit)),
  ...writers('write_ascii', 'string', (v, limit) => asciiBytes(v as string, limit)),
];
