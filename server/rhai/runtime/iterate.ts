/**
 * Cursors for `for` loops: one `next()` method returning the next value or `DONE`, so the
 * generated loop has a single shape for every iterable type.
 */
import { RhaiError } from '../errors.js';
import { cloneValue, RBlob, RChar, RCustom, RIterable, RRange, type Value } from './value.js';

/** End-of-iteration marker. */
export const DONE: unique symbol = Symbol('done');

/** A `for` loop source. */
export interface Cursor {
  next(): Value | typeof DONE;
}

class ArrayCursor implements Cursor {
  private i = 0;
  private readonly a: readonly Value[];
  constructor(a: readonly Value[]) {
    this.a = a;
  }
  next(): Value | typeof DONE {
    if (this.i >= this.a.length) return DONE;
    const v = this.a[this.i++];
    // Loop variables get copies, as in Rhai.
    return typeof v === 'object' ? cloneValue(v) : v;
  }
}

class RangeCursor implements Cursor {
  private i: number;
  private readonly end: number;
  constructor(r: RRange) {
    this.i = r.start;
    this.end = r.endExclusive;
  }
  next(): Value | typeof DONE {
    return this.i < this.end ? this.i++ : DONE;
  }
}

/** A range with a bound beyond ±(2^53-1): exact bigint steps, values normalised to INTs. */
class BigRangeCursor implements Cursor {
  private i: bigint;
  private readonly end: bigint;
  constructor(r: RRange) {
    this.i = BigInt(r.exactStart);
    this.end = BigInt(r.exactEnd) + (r.inclusive ? 1n : 0n);
  }
  next(): Value | typeof DONE {
    if (this.i >= this.end) return DONE;
    const v = this.i;
    this.i += 1n;
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }
}

class StringCursor implements Cursor {
  private i = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  next(): Value | typeof DONE {
    if (this.i >= this.s.length) return DONE;
    const cp = this.s.codePointAt(this.i) as number;
    this.i += cp > 0xffff ? 2 : 1;
    return RChar.of(cp);
  }
}

class BlobCursor implements Cursor {
  private i = 0;
  private readonly b: Uint8Array;
  constructor(b: RBlob) {
    this.b = b.toUint8Array();
  }
  next(): Value | typeof DONE {
    return this.i < this.b.length ? this.b[this.i++] : DONE;
  }
}

class IteratorCursor implements Cursor {
  private readonly it: Iterator<Value>;
  constructor(it: Iterator<Value>) {
    this.it = it;
  }
  next(): Value | typeof DONE {
    const r = this.it.next();
    return r.done ? DONE : r.value;
  }
}

/** A cursor over an iterable value; `snapshot` copies an array that the loop body could modify. */
export function iterate(v: Value, snapshot: boolean): Cursor {
  if (Array.isArray(v)) return new ArrayCursor(snapshot ? v.slice() : v);
  if (v instanceof RRange) {
    const exact = typeof v.exactStart === 'number' && typeof v.exactEnd === 'number';
    return exact ? new RangeCursor(v) : new BigRangeCursor(v);
  }
  if (typeof v === 'string') return new StringCursor(v);
  if (v instanceof RBlob) return new BlobCursor(v);
  if (v instanceof RIterable) return new IteratorCursor(v.make());
  if (v instanceof RCustom) {
    const p = v.payload as { [Symbol.iterator]?: () => Iterator<Value> } | null;
    const f = p !== null && typeof p === 'object' ? p[Symbol.iterator] : undefined;
    if (typeof f === 'function') return new IteratorCursor(f.call(p));
  }
  throw new RhaiError('ErrorFor', 'For loop expects iterable type');
}
