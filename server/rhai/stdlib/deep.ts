/**
 * Walking nested values without recursion: copying (Rhai's value semantics), comparing and
 * measuring arrays, maps and BLOBs however deeply they nest. A recursive walk would overflow the
 * JS stack on data nested a few thousand levels deep (which a script can build in a loop); these
 * keep an explicit stack instead, and charge operations for the work they do.
 */
import type { NativeCallContext } from '../runtime/native.js';
import { FnPtr, RBlob, type Value, valuesEqual } from '../runtime/value.js';
import { chargeBytes, chargeElements } from './support.js';

type RMap = Map<string, Value>;

/** True for the values a copy must duplicate (everything else is immutable and shared). */
function isMutable(v: Value): v is Value[] | RMap | RBlob {
  return Array.isArray(v) || v instanceof Map || v instanceof RBlob;
}

/**
 * A copy of `v` with Rhai's value semantics: arrays, maps and BLOBs are duplicated at every
 * level; strings and other immutable values are shared. Charges one operation per 64 copied
 * elements or properties.
 */
export function copyValue(ctx: NativeCallContext, v: Value): Value {
  if (typeof v !== 'object') return v;
  // Fast paths for flat containers (the common case): one native copy and a scan.
  // Charged before copying, so a copy past the deadline is not made.
  if (Array.isArray(v)) {
    chargeBytes(ctx, v.length);
    const out = v.slice();
    for (let i = 0; i < out.length; i++) {
      const e = out[i];
      if (typeof e === 'object' && isMutable(e)) return copyNested(ctx, out);
    }
    return out;
  }
  if (v instanceof Map) {
    const out = copyMap(ctx, v);
    for (const e of out.values()) {
      if (typeof e === 'object' && isMutable(e)) return copyNested(ctx, out);
    }
    return out;
  }
  if (v instanceof RBlob) return v.clone();
  return v;
}

/** Properties copied between two charges. */
const MAP_CHUNK = 1 << 12;

/**
 * A one-level copy of a map, charged as it goes: a property costs a hash insertion, many times an
 * array element's copy, so it counts one operation, and a 100,000-property copy (tens of
 * milliseconds) reaches the deadline check several times.
 */
function copyMap(ctx: NativeCallContext, m: RMap): RMap {
  const out: RMap = new Map();
  let n = 0;
  for (const [k, e] of m) {
    out.set(k, e);
    if (++n === MAP_CHUNK) {
      chargeElements(ctx, n);
      n = 0;
    }
  }
  chargeElements(ctx, n);
  return out;
}

/** Finish copying `root` (already a one-level copy) whose children include containers. */
function copyNested(ctx: NativeCallContext, root: Value[] | RMap): Value {
  // Containers already duplicated whose children may still be shared with the original.
  const pending: (Value[] | RMap)[] = [root];
  let copied = 0;
  while (pending.length > 0) {
    const c = pending.pop() as Value[] | RMap;
    if (Array.isArray(c)) {
      copied += c.length;
      for (let i = 0; i < c.length; i++) {
        const e = c[i];
        if (typeof e === 'object' && isMutable(e)) c[i] = duplicate(ctx, e, pending);
      }
    } else {
      copied += c.size;
      for (const [k, e] of c) {
        if (typeof e === 'object' && isMutable(e)) c.set(k, duplicate(ctx, e, pending));
      }
    }
    if (copied >= 4096) {
      chargeBytes(ctx, copied);
      copied = 0;
    }
  }
  chargeBytes(ctx, copied);
  return root;
}

/** A one-level copy of a container; arrays and maps are queued so their children get copied too. */
function duplicate(ctx: NativeCallContext, e: Value[] | RMap | RBlob, pending: (Value[] | RMap)[]): Value {
  if (e instanceof RBlob) return e.clone();
  const c = Array.isArray(e) ? e.slice() : copyMap(ctx, e);
  pending.push(c);
  return c;
}

/** True for the values whose equality depends on nested values. */
function isNested(v: Value): boolean {
  return Array.isArray(v) || v instanceof Map || (v instanceof FnPtr && v.curried.length > 0);
}

/** Pairs of value lists still being compared (one per nesting level). */
interface Frame {
  xs: readonly Value[];
  ys: readonly Value[];
  i: number;
}

/**
 * Rhai `==` for any two values (the same answers as the engine's `valuesEqual`), comparing nested
 * arrays, maps and curried function pointers without recursion.
 */
export function deepEqual(ctx: NativeCallContext, a: Value, b: Value): boolean {
  if (a === b) return true;
  if (!isNested(a) || !isNested(b)) return valuesEqual(a, b);
  if (Array.isArray(a)) {
    // Fast path for flat arrays (the common case): no frames.
    if (!Array.isArray(b) || a.length !== b.length) return false;
    chargeBytes(ctx, a.length);
    const flat = flatEqual(a, b);
    if (flat !== null) return flat;
  }
  const stack: Frame[] = [];
  let visited = 0;
  if (!open(a, b, stack)) return false;
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.i >= f.xs.length) {
      stack.pop();
      continue;
    }
    const x = f.xs[f.i];
    const y = f.ys[f.i];
    f.i++;
    if (++visited >= 4096) {
      chargeBytes(ctx, visited);
      visited = 0;
    }
    if (x === y) continue;
    if (isNested(x) && isNested(y)) {
      if (!open(x, y, stack)) return false;
    } else if (!valuesEqual(x, y)) return false;
  }
  return true;
}

/** Equality of two same-length arrays of leaves; null when a pair of nested elements needs a walk. */
function flatEqual(xs: readonly Value[], ys: readonly Value[]): boolean | null {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === y) continue;
    if (isNested(x) && isNested(y)) return null;
    if (!valuesEqual(x, y)) return false;
  }
  return true;
}

/** Compare the shapes of two nested values and queue their children; false when they differ. */
function open(x: Value, y: Value, stack: Frame[]): boolean {
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    stack.push({ xs: x, ys: y, i: 0 });
    return true;
  }
  if (x instanceof Map) {
    if (!(y instanceof Map) || x.size !== y.size) return false;
    const xs: Value[] = [];
    const ys: Value[] = [];
    for (const [k, v] of x) {
      if (!y.has(k)) return false;
      xs.push(v);
      ys.push(y.get(k));
    }
    stack.push({ xs, ys, i: 0 });
    return true;
  }
  if (x instanceof FnPtr) {
    if (!(y instanceof FnPtr) || x.name !== y.name || x.target !== y.target) return false;
    if (x.curried.length !== y.curried.length) return false;
    stack.push({ xs: x.curried, ys: y.curried, i: 0 });
    return true;
  }
  return valuesEqual(x, y);
}

/** Sizes of a value's nested contents, as Rhai's data-size limits count them. */
export interface DataSize {
  /** Elements of all arrays and bytes of all BLOBs (the value itself included). */
  arrays: number;
  /** Properties of all maps. */
  maps: number;
  /** UTF-16 units of all strings. */
  strings: number;
}

/**
 * Measure a value's nested contents, stopping early once arrays + maps exceed `budget` (the
 * result is then only known to be over it). Costs at most the budget, however big the value.
 */
export function measure(v: Value, budget: number): DataSize {
  const size: DataSize = { arrays: 0, maps: 0, strings: 0 };
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') {
      size.strings += x.length;
    } else if (Array.isArray(x)) {
      size.arrays += x.length;
      if (size.arrays + size.maps > budget) return size;
      for (let i = 0; i < x.length; i++) {
        const e = x[i];
        if (typeof e === 'string' || (typeof e === 'object' && isMutable(e))) stack.push(e);
      }
    } else if (x instanceof Map) {
      size.maps += x.size;
      if (size.arrays + size.maps > budget) return size;
      for (const e of x.values()) {
        if (typeof e === 'string' || (typeof e === 'object' && isMutable(e))) stack.push(e);
      }
    } else if (x instanceof RBlob) {
      size.arrays += x.length;
      if (size.arrays + size.maps > budget) return size;
    }
  }
  return size;
}
