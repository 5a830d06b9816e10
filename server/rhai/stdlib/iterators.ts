/**
 * The sequences returned by `chars()`, `bits()` and stepped `range(...)`, which scripts use in
 * `for` loops. `chars()` and `bits()` are small and bounded (by the string length, by 64 bits), so
 * they are arrays; stepped ranges can be arbitrarily long, so they are lazy.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext } from '../runtime/native.js';
import { makeFloat, makeInt, RChar, RCustom, type Value } from '../runtime/value.js';
import { chunked, isBmpOnly } from './support.js';

/**
 * `count` characters of `s` from UTF-16 offset `from`, as an iterable sequence (an array of
 * chars). The caller checks `count` against the array caps; the array is filled in charged
 * chunks so the deadline can interrupt a long fill.
 */
export function charsIterator(ctx: NativeCallContext, s: string, from: number, count: number): Value {
  const out: Value[] = new Array(count);
  if (isBmpOnly(s)) {
    chunked(ctx, count, true, (a, b) => {
      for (let i = a; i < b; i++) out[i] = RChar.of(s.charCodeAt(from + i));
    });
    return out;
  }
  let u = from;
  chunked(ctx, count, true, (a, b) => {
    for (let i = a; i < b; i++) {
      const cp = s.codePointAt(u) ?? 0;
      out[i] = RChar.of(cp);
      u += cp > 0xffff ? 2 : 1;
    }
  });
  return out;
}

/** `count` bits of `shifted` (least significant first) as an iterable sequence of bools. */
export function bitsIterator(_ctx: NativeCallContext, shifted: bigint, count: number): Value {
  const out: Value[] = new Array(count);
  let v = shifted;
  for (let i = 0; i < count; i++) {
    out[i] = (v & 1n) === 1n;
    v >>= 1n;
  }
  return out;
}

/** Type name `type_of` reports for lazy sequences. */
export const ITERATOR_TYPE = 'iterator';

/**
 * A lazy, re-iterable sequence: `for` loops pull values one at a time (each loop iteration is
 * counted by the engine), so a stepped range over billions of values costs no memory.
 */
export function lazySequence(make: () => Iterator<Value>): Value {
  return new RCustom(ITERATOR_TYPE, { [Symbol.iterator]: make });
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * INT values from `from` towards `to` (exclusive) in steps of `step`, as Rhai's `StepRange`:
 * forward when `from < to` and `step > 0`, backward when `from > to` and `step < 0`, empty
 * otherwise. A zero step is an error.
 */
export function intStepIterator(from: bigint, to: bigint, step: bigint): Value {
  if (step === 0n) throw RhaiError.arithmetic('step value cannot be zero');
  const forward = from < to && step > 0n;
  const backward = from > to && step < 0n;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (abs(from) + abs(step) < MAX_SAFE && abs(to) + abs(step) < MAX_SAFE) {
    // Fast path: everything stays within exact JS numbers.
    const f = Number(from);
    const t = Number(to);
    const s = Number(step);
    return lazySequence(function* () {
      if (forward) for (let v = f; v < t; v += s) yield v;
      else if (backward) for (let v = f; v > t; v += s) yield v;
    });
  }
  return lazySequence(function* () {
    if (!forward && !backward) return;
    for (let v = from; forward ? v < to : v > to; v += step) yield makeInt(v);
  });
}

/** FLOAT values from `from` towards `to` (exclusive) in steps of `step`, as Rhai's float `StepRange`. */
export function floatStepIterator(from: number, to: number, step: number): Value {
  if (from + step === from) throw RhaiError.arithmetic('step value cannot be zero');
  const forward = from < to && from + step > from;
  const backward = from > to && from + step < from;
  return lazySequence(function* () {
    // Accumulate by repeated addition, as Rhai does, so the values match it bit for bit.
    if (forward) for (let v = from; v < to; v += step) yield makeFloat(v);
    else if (backward) for (let v = from; v > to; v += step) yield makeFloat(v);
  });
}
