/**
 * Bit-field functions on INT: read or write single bits and runs of bits, and iterate over bits.
 * INT is 64 bits wide; a negative bit position counts from the most significant bit (`-1` is
 * bit 63). Positions outside the 64 bits raise ErrorBitFieldBounds.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import { makeInt, type RRange, type Value } from '../runtime/value.js';
import { bitsIterator } from './iterators.js';
import { big, def, defWithGetter, num, position, rangeSpanForIteration } from './support.js';

/** Number of bits in an INT. */
const INT_BITS = 64;

/** A bit position (negative counts from the MSB), or ErrorBitFieldBounds. */
function bitIndex(bit: Value): number {
  const n = num(bit);
  const i = position(INT_BITS, n);
  if (i < 0) {
    throw new RhaiError(
      'ErrorBitFieldBounds',
      `Bit-field index ${n} out of bounds: only ${INT_BITS} bits in the bit-field`,
    );
  }
  return i;
}

/** A 64-bit pattern back to an INT value. */
function toInt(bits: bigint): number | bigint {
  return makeInt(BigInt.asIntN(INT_BITS, bits));
}

/** `bits` bits of `value` starting at `start` (Rhai's `get_bits`). */
function getBits(value: Value, start: Value | number, bits: number): number | bigint {
  if (bits <= 0) return 0;
  const from = bitIndex(start);
  const count = Math.min(bits, INT_BITS - from);
  const v = big(value);
  if (from === 0 && count === INT_BITS) return toInt(v);
  const mask = (1n << BigInt(count)) - 1n;
  return toInt((BigInt.asUintN(INT_BITS, v) >> BigInt(from)) & mask);
}

/** `value` with `bits` bits starting at `start` replaced by the low bits of `replacement`. */
function setBits(value: Value, start: Value | number, bits: number, replacement: Value): number | bigint {
  if (bits <= 0) return value as number | bigint;
  const from = bitIndex(start);
  const count = Math.min(bits, INT_BITS - from);
  const v = big(value);
  const r = big(replacement);
  if (from === 0 && count === INT_BITS) return toInt(r);
  const mask = (1n << BigInt(count)) - 1n;
  const shift = BigInt(from);
  return toInt((v & ~(mask << shift)) | ((r & mask) << shift));
}

/** Start and bit count of a range argument to `get_bits`/`set_bits`. */
function bitRange(r: RRange): [number, number] {
  const from = Math.max(r.start, 0);
  if (!r.inclusive) return [from, Math.max(r.end, from) - from];
  const to = Math.max(r.end, from - 1);
  if (to >= INT_BITS) {
    throw new RhaiError(
      'ErrorBitFieldBounds',
      `Bit-field index ${to} out of bounds: only ${INT_BITS} bits in the bit-field`,
    );
  }
  return [from, to - from + 1];
}

/** Iterate over `len` bits of `value` from bit `from` (least significant first). */
function bits(ctx: NativeCallContext, value: Value, from: Value | number, len: number): Value {
  const start = bitIndex(from);
  const count = len < 0 ? 0 : Math.min(len, INT_BITS - start);
  return bitsIterator(ctx, big(value) >> BigInt(start), count);
}

/** The bit-field package. */
export const bitFieldFunctions: readonly NativeFnDef[] = [
  def('get_bit', ['int', 'int'], (_ctx, [value, bit]) => {
    const i = bitIndex(bit);
    return ((big(value) >> BigInt(i)) & 1n) === 1n;
  }),
  def(
    'set_bit',
    ['int', 'int', 'bool'],
    (ctx, [value, bit, on]) => {
      const mask = 1n << BigInt(bitIndex(bit));
      const v = big(value);
      ctx.setThis(toInt(on === true ? v | mask : v & ~mask));
      return undefined;
    },
    true,
  ),
  def('get_bits', ['int', 'int', 'int'], (_ctx, [value, start, count]) => getBits(value, start, num(count))),
  def('get_bits', ['int', 'range'], (_ctx, [value, range]) => {
    const [from, count] = bitRange(range as RRange);
    return getBits(value, from, count);
  }),
  def(
    'set_bits',
    ['int', 'int', 'int', 'int'],
    (ctx, [value, start, count, replacement]) => {
      ctx.setThis(setBits(value, start, num(count), replacement));
      return undefined;
    },
    true,
  ),
  def(
    'set_bits',
    ['int', 'range', 'int'],
    (ctx, [value, range, replacement]) => {
      const [from, count] = bitRange(range as RRange);
      ctx.setThis(setBits(value, from, count, replacement));
      return undefined;
    },
    true,
  ),
  ...defWithGetter('bits', 'int', (ctx, [value]) => bits(ctx, value, 0, INT_BITS)),
  def('bits', ['int', 'int'], (ctx, [value, from]) => bits(ctx, value, from, INT_BITS)),
  def('bits', ['int', 'int', 'int'], (ctx, [value, from, len]) => bits(ctx, value, from, num(len))),
  def('bits', ['int', 'range'], (ctx, [value, range]) => {
    const [from, len] = rangeSpanForIteration(range as RRange);
    return bits(ctx, value, from, len);
  }),
];
