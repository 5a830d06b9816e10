/**
 * Array functions. Methods that modify an array (`push`, `sort`, `drain`, ...) mutate the
 * receiver in place; values stored into or copied out of an array are copied (without recursion,
 * see deep.ts) so arrays keep Rhai's value semantics. Callbacks go through {@link Callback},
 * which passes the element, the optional index, or binds the element to `this`, depending on
 * what the callee accepts.
 *
 * Growth is checked against `maxArraySize` and the hard cap before anything is allocated, bulk
 * work runs in charged chunks, and elements are never spread into call arguments (which fails
 * for large arrays).
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext, NativeFn, NativeFnDef, ParamType } from '../runtime/native.js';
import {
  compareStrings,
  floatValue,
  RBlob,
  type RChar,
  type RRange,
  typeOf,
  type Value,
} from '../runtime/value.js';
import { asFnPtr, Callback, ELEMENT_FIRST, isTrue } from './callbacks.js';
import { copyValue, deepEqual, measure } from './deep.js';
import { mergeSort } from './sort.js';
import {
  CHUNK,
  COMPARISONS_PER_OPERATION,
  chargeBytes,
  chargeElements,
  checkArraySize,
  chunked,
  def,
  defWithGetter,
  HARD_LIMITS,
  num,
  offsetLen,
  position,
  rangeSpan,
} from './support.js';

/** Register a callback-taking function for both a function pointer and a function name. */
function withCallback(
  name: string,
  before: ParamType[],
  after: ParamType[],
  fn: NativeFn,
  mutates = false,
): NativeFnDef[] {
  return [
    def(name, [...before, 'fnptr', ...after], fn, mutates),
    def(name, [...before, 'string', ...after], fn, mutates),
  ];
}

/** Call `cb` for element `i`, writing back any change the callee made through `this`. */
function callOnElement(cb: Callback, array: Value[], i: number, fixed?: Value[]): Value {
  return cb.invokeOnElement(array, i, fixed);
}

/** Index of the first element satisfying the predicate, from `start`, or -1. */
function indexWhere(ctx: NativeCallContext, array: Value[], fn: Value, start: number): number {
  if (array.length === 0) return -1;
  const [from] = offsetLen(array.length, start, 0);
  const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
  for (let i = from; i < array.length; i++) {
    if (isTrue(callOnElement(cb, array, i))) return i;
  }
  return -1;
}

/** Index of the first element equal to `value`, from `start`, or -1. */
function indexOfValue(ctx: NativeCallContext, array: Value[], value: Value, start: number): number {
  if (array.length === 0) return -1;
  const [from] = offsetLen(array.length, start, 0);
  for (let i = from; i < array.length; i++) {
    // Charged in chunks as the scan goes, so the deadline can stop a long one.
    if ((i - from) % CHUNK === 0) chargeElements(ctx, Math.min(CHUNK, array.length - i));
    if (deepEqual(ctx, array[i], value)) return i;
  }
  return -1;
}

/** First non-`()` callback result, from `start`. */
function findMap(ctx: NativeCallContext, array: Value[], fn: Value, start: number): Value {
  if (array.length === 0) return undefined;
  const [from] = offsetLen(array.length, start, 0);
  const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
  for (let i = from; i < array.length; i++) {
    const v = callOnElement(cb, array, i);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A copy of `len` elements from `start` (elements cloned). */
function extract(ctx: NativeCallContext, array: Value[], start: number, len: number): Value[] {
  if (array.length === 0 || len <= 0) return [];
  const [s, l] = offsetLen(array.length, start, len);
  const out: Value[] = new Array(l);
  chunked(ctx, l, true, (a, b) => {
    for (let i = a; i < b; i++) out[i] = copyValue(ctx, array[s + i]);
  });
  return out;
}

/** Remove and return `len` elements from `start`. */
function drainSpan(ctx: NativeCallContext, array: Value[], start: number, len: number): Value[] {
  if (array.length === 0 || len <= 0) return [];
  const [s, l] = offsetLen(array.length, start, len);
  chargeElements(ctx, l);
  return l === 0 ? [] : array.splice(s, l);
}

/** Keep only `len` elements from `start`; return the removed ones (those before, then after). */
function retainSpan(ctx: NativeCallContext, array: Value[], start: number, len: number): Value[] {
  const [s, l] = len <= 0 ? [0, 0] : offsetLen(array.length, start, len);
  chargeElements(ctx, array.length);
  const removed = [...array.slice(0, s), ...array.slice(s + l)];
  const kept = array.slice(s, s + l);
  array.length = 0;
  for (const v of kept) array.push(v);
  return removed;
}

/** Replace `len` elements from `start` with (copies of) `replacement`. */
function splice(
  ctx: NativeCallContext,
  array: Value[],
  start: number,
  len: number,
  replacement: Value[],
): void {
  const [s, l] = array.length === 0 ? [0, 0] : offsetLen(array.length, start, len);
  checkArraySize(ctx, array.length - l + replacement.length);
  chargeElements(ctx, array.length + replacement.length);
  // Copy first: `replacement` may be the array itself. No `array.splice(s, l, ...items)`: spreading
  // a large array into call arguments overflows the stack.
  const items = replacement.map((v) => copyValue(ctx, v));
  const tail = array.slice(s + l);
  array.length = s;
  for (const v of items) array.push(v);
  for (const v of tail) array.push(v);
}

/** True for values that every copy duplicates (the rest are immutable and shared). */
function isContainer(v: Value): boolean {
  return Array.isArray(v) || v instanceof Map || v instanceof RBlob;
}

/**
 * `pad(len, item)`: append copies of `item` until the array has `target` elements. Sizes are
 * checked before anything is allocated, including what copies of a container item would add to
 * the nested sizes; the array then grows in one step and is filled in charged chunks.
 */
function padArray(ctx: NativeCallContext, array: Value[], target: number, value: Value): void {
  const start = array.length;
  if (target <= start) return;
  checkArraySize(ctx, target);
  const count = target - start;
  // `a.pad(n, a)`: copy the array as it is now, not as it grows.
  const item = value === array ? copyValue(ctx, value) : value;
  if (isContainer(item)) {
    const budget = Math.floor(HARD_LIMITS.arraySize / count);
    const size = measure(item, budget);
    const { maxArraySize, maxMapSize } = ctx.limits;
    if (
      size.arrays + size.maps > budget ||
      (maxArraySize > 0 && target + count * size.arrays > maxArraySize)
    ) {
      throw RhaiError.tooLarge('Size of array', ctx.position);
    }
    if (maxMapSize > 0 && count * size.maps > maxMapSize) {
      throw RhaiError.tooLarge('Size of object map', ctx.position);
    }
  }
  try {
    if (isContainer(item)) {
      chunked(ctx, count, true, (a, b) => {
        for (let i = a; i < b; i++) array.push(copyValue(ctx, item));
      });
    } else if (count <= 64) {
      chargeElements(ctx, count);
      for (let i = 0; i < count; i++) array.push(item);
    } else {
      // Growing the length once and filling is several times faster than pushing one by one.
      array.length = target;
      chunked(ctx, count, true, (a, b) => {
        array.fill(item, start + a, start + b);
      });
    }
  } catch (e) {
    // Stopped by the operation limit or the deadline: leave the array as it was.
    array.length = start;
    throw e;
  }
}

/**
 * Remove the elements for which the predicate returns `want` and return them. If the callback
 * fails, the elements not yet examined stay in the array, as in Rhai.
 */
function removeWhere(ctx: NativeCallContext, array: Value[], fn: Value, want: boolean): Value[] {
  if (array.length === 0) return [];
  const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
  const kept: Value[] = [];
  const removed: Value[] = [];
  let i = 0;
  try {
    for (; i < array.length; i++) {
      const hit = isTrue(callOnElement(cb, array, i));
      (hit === want ? removed : kept).push(array[i]);
    }
  } finally {
    const rest = array.slice(i);
    array.length = 0;
    for (const v of kept) array.push(v);
    for (const v of rest) array.push(v);
  }
  return removed;
}

/** Reduce from the front (`reverse` false) or the back, starting with `initial`. */
function reduce(ctx: NativeCallContext, array: Value[], fn: Value, initial: Value, reverse: boolean): Value {
  if (array.length === 0) return initial;
  const cb = new Callback(ctx, asFnPtr(fn), { elementAt: 1, hasElement: true });
  let acc = initial;
  const n = array.length;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    acc = callOnElement(cb, array, i, [acc]);
  }
  return acc;
}

/** Comparison used by `sort()` for a homogeneous array of one built-in type, or an error. */
function builtinComparator(array: Value[]): ((a: Value, b: Value) => number) | null {
  const kind = typeOf(array[0]);
  for (const v of array) {
    if (typeOf(v) !== kind) {
      throw new RhaiError('ErrorFunctionNotFound', 'elements of different types cannot be sorted');
    }
  }
  switch (kind) {
    case 'i64':
      return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    case 'f64':
      return (a, b) => {
        const x = floatValue(a);
        const y = floatValue(b);
        return x < y ? -1 : x > y ? 1 : 0;
      };
    case 'string':
      return (a, b) => compareStrings(a as string, b as string);
    case 'char':
      return (a, b) => (a as RChar).cp - (b as RChar).cp;
    case 'bool':
      return (a, b) => Number(a) - Number(b);
    case '()':
      return null;
    default:
      throw new RhaiError('ErrorFunctionNotFound', `elements of ${kind} cannot be sorted`);
  }
}

/** `sort()` / `sort_desc()`. */
function sortBuiltin(ctx: NativeCallContext, array: Value[], descending: boolean): void {
  if (array.length <= 1) return;
  const cmp = builtinComparator(array);
  if (cmp === null) return;
  chargeElements(ctx, array.length);
  // Charge comparisons as they happen, so the deadline can stop a sort of millions of elements.
  let pending = 0;
  const counted = (a: Value, b: Value): number => {
    if (++pending === 1024) {
      pending = 0;
      ctx.addOperations(1024 / COMPARISONS_PER_OPERATION);
    }
    return descending ? cmp(b, a) : cmp(a, b);
  };
  // No `()` elements here, so the native (stable) sort is safe to use.
  array.sort(counted);
}

/** `sort(comparer)`: the comparer returns an INT (sign gives the order) or a bool (`true`: a ≤ b). */
function sortWith(ctx: NativeCallContext, array: Value[], fn: Value): void {
  if (array.length <= 1) return;
  const ptr = asFnPtr(fn);
  mergeSort(array, (a, b) => {
    const r = ctx.callFnPtr(ptr, [a, b]);
    if (typeof r === 'number') return r > 0 ? 1 : r < 0 ? -1 : 0;
    if (typeof r === 'bigint') return r > 0n ? 1 : -1;
    if (typeof r === 'boolean') return r ? -1 : 1;
    return 0;
  });
}

/** Remove consecutive duplicates; `same(previous, current)` decides. */
function dedup(ctx: NativeCallContext, array: Value[], same: (prev: Value, cur: Value) => boolean): void {
  if (array.length <= 1) return;
  let w = 1;
  for (let r = 1; r < array.length; r++) {
    if (r % CHUNK === 1) chargeElements(ctx, Math.min(CHUNK, array.length - r));
    if (!same(array[w - 1], array[r])) array[w++] = array[r];
  }
  array.length = w;
}

/** The array package. */
export const arrayFunctions: readonly NativeFnDef[] = [
  // Size
  ...defWithGetter('len', 'array', (_ctx, [a]) => (a as Value[]).length),
  ...defWithGetter('is_empty', 'array', (_ctx, [a]) => (a as Value[]).length === 0),

  // Element access
  def('get', ['array', 'int'], (ctx, [a, index]) => {
    const array = a as Value[];
    const i = position(array.length, num(index));
    return i < 0 ? undefined : copyValue(ctx, array[i]);
  }),
  def(
    'set',
    ['array', 'int', 'any'],
    (ctx, [a, index, value]) => {
      const array = a as Value[];
      const i = position(array.length, num(index));
      if (i >= 0) array[i] = copyValue(ctx, value);
      return undefined;
    },
    true,
  ),
  def('contains', ['array', 'any'], (ctx, [a, value]) => indexOfValue(ctx, a as Value[], value, 0) >= 0),
  def('index_of', ['array', 'any'], (ctx, [a, value]) => indexOfValue(ctx, a as Value[], value, 0)),
  def('index_of', ['array', 'any', 'int'], (ctx, [a, value, start]) =>
    indexOfValue(ctx, a as Value[], value, num(start)),
  ),
  // A string here is a function name (Rhai's `index_of(filter: &str)`), not a value to look for.
  ...withCallback('index_of', ['array'], [], (ctx, [a, fn]) => indexWhere(ctx, a as Value[], fn, 0)),
  ...withCallback('index_of', ['array'], ['int'], (ctx, [a, fn, start]) =>
    indexWhere(ctx, a as Value[], fn, num(start)),
  ),
  ...withCallback('find', ['array'], [], (ctx, [a, fn]) => {
    const array = a as Value[];
    const i = indexWhere(ctx, array, fn, 0);
    return i < 0 ? undefined : copyValue(ctx, array[i]);
  }),
  ...withCallback('find', ['array'], ['int'], (ctx, [a, fn, start]) => {
    const array = a as Value[];
    const i = indexWhere(ctx, array, fn, num(start));
    return i < 0 ? undefined : copyValue(ctx, array[i]);
  }),
  ...withCallback('find_map', ['array'], [], (ctx, [a, fn]) => findMap(ctx, a as Value[], fn, 0)),
  ...withCallback('find_map', ['array'], ['int'], (ctx, [a, fn, start]) =>
    findMap(ctx, a as Value[], fn, num(start)),
  ),

  // Growing
  def(
    'push',
    ['array', 'any'],
    (ctx, [a, item]) => {
      const array = a as Value[];
      checkArraySize(ctx, array.length + 1);
      array.push(copyValue(ctx, item));
      return undefined;
    },
    true,
  ),
  def(
    'append',
    ['array', 'array'],
    (ctx, [a, b]) => {
      const array = a as Value[];
      const other = b as Value[];
      checkArraySize(ctx, array.length + other.length);
      // `other` may be the array itself: only its original elements are appended.
      chunked(ctx, other.length, true, (from, to) => {
        for (let i = from; i < to; i++) array.push(copyValue(ctx, other[i]));
      });
      return undefined;
    },
    true,
  ),
  def(
    'insert',
    ['array', 'int', 'any'],
    (ctx, [a, index, item]) => {
      const array = a as Value[];
      checkArraySize(ctx, array.length + 1);
      const [at] = offsetLen(array.length, num(index), 0);
      if (at >= array.length) array.push(copyValue(ctx, item));
      else {
        // Moving the elements after `at` is real work on a big array: charge it.
        chargeBytes(ctx, array.length - at);
        array.splice(at, 0, copyValue(ctx, item));
      }
      return undefined;
    },
    true,
  ),
  def(
    'pad',
    ['array', 'int', 'any'],
    (ctx, [a, len, item]) => {
      padArray(ctx, a as Value[], num(len), item);
      return undefined;
    },
    true,
  ),

  // Shrinking
  def('pop', ['array'], (_ctx, [a]) => (a as Value[]).pop(), true),
  def(
    'shift',
    ['array'],
    (ctx, [a]) => {
      chargeBytes(ctx, (a as Value[]).length);
      return (a as Value[]).shift();
    },
    true,
  ),
  def(
    'remove',
    ['array', 'int'],
    (ctx, [a, index]) => {
      const array = a as Value[];
      const i = position(array.length, num(index));
      if (i < 0) return undefined;
      chargeBytes(ctx, array.length - i);
      return array.splice(i, 1)[0];
    },
    true,
  ),
  def(
    'clear',
    ['array'],
    (_ctx, [a]) => {
      (a as Value[]).length = 0;
      return undefined;
    },
    true,
  ),
  def(
    'truncate',
    ['array', 'int'],
    (_ctx, [a, len]) => {
      const array = a as Value[];
      const n = num(len);
      if (n <= 0) array.length = 0;
      else if (n < array.length) array.length = n;
      return undefined;
    },
    true,
  ),
  def(
    'chop',
    ['array', 'int'],
    (ctx, [a, len]) => {
      const array = a as Value[];
      const n = num(len);
      if (n <= 0) array.length = 0;
      else if (n < array.length) {
        chargeBytes(ctx, n);
        array.splice(0, array.length - n);
      }
      return undefined;
    },
    true,
  ),
  def(
    'split',
    ['array', 'int'],
    (ctx, [a, index]) => {
      const array = a as Value[];
      if (array.length === 0) return [];
      const [start] = offsetLen(array.length, num(index), 0);
      chargeElements(ctx, array.length - start);
      return start >= array.length ? [] : array.splice(start);
    },
    true,
  ),
  def(
    'reverse',
    ['array'],
    (ctx, [a]) => {
      chargeElements(ctx, (a as Value[]).length);
      (a as Value[]).reverse();
      return undefined;
    },
    true,
  ),

  // Portions
  def('extract', ['array', 'int'], (ctx, [a, start]) =>
    extract(ctx, a as Value[], num(start), Number.MAX_SAFE_INTEGER),
  ),
  def('extract', ['array', 'int', 'int'], (ctx, [a, start, len]) =>
    extract(ctx, a as Value[], num(start), num(len)),
  ),
  def('extract', ['array', 'range'], (ctx, [a, r]) => {
    const [start, len] = rangeSpan(r as RRange);
    return extract(ctx, a as Value[], start, len);
  }),
  def(
    'drain',
    ['array', 'int', 'int'],
    (ctx, [a, start, len]) => drainSpan(ctx, a as Value[], num(start), num(len)),
    true,
  ),
  def(
    'drain',
    ['array', 'range'],
    (ctx, [a, r]) => {
      const [start, len] = rangeSpan(r as RRange);
      return drainSpan(ctx, a as Value[], start, len);
    },
    true,
  ),
  def(
    'retain',
    ['array', 'int', 'int'],
    (ctx, [a, start, len]) => retainSpan(ctx, a as Value[], num(start), num(len)),
    true,
  ),
  def(
    'retain',
    ['array', 'range'],
    (ctx, [a, r]) => {
      const [start, len] = rangeSpan(r as RRange);
      return retainSpan(ctx, a as Value[], start, len);
    },
    true,
  ),
  def(
    'splice',
    ['array', 'int', 'int', 'array'],
    (ctx, [a, start, len, b]) => {
      splice(ctx, a as Value[], num(start), num(len), b as Value[]);
      return undefined;
    },
    true,
  ),
  def(
    'splice',
    ['array', 'range', 'array'],
    (ctx, [a, r, b]) => {
      const [start, len] = rangeSpan(r as RRange);
      splice(ctx, a as Value[], start, len, b as Value[]);
      return undefined;
    },
    true,
  ),

  // Callbacks
  ...withCallback(
    'for_each',
    ['array'],
    [],
    (ctx, [a, fn]) => {
      const array = a as Value[];
      const cb = new Callback(ctx, asFnPtr(fn), { elementAt: null, hasElement: true });
      for (let i = 0; i < array.length; i++) callOnElement(cb, array, i);
      return undefined;
    },
    true,
  ),
  ...withCallback('map', ['array'], [], (ctx, [a, fn]) => {
    const array = a as Value[];
    const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
    const out: Value[] = new Array(array.length);
    for (let i = 0; i < array.length; i++) out[i] = callOnElement(cb, array, i);
    return out;
  }),
  ...withCallback('filter', ['array'], [], (ctx, [a, fn]) => {
    const array = a as Value[];
    const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
    const out: Value[] = [];
    for (let i = 0; i < array.length; i++) {
      if (isTrue(callOnElement(cb, array, i))) out.push(copyValue(ctx, array[i]));
    }
    return out;
  }),
  ...withCallback('some', ['array'], [], (ctx, [a, fn]) => indexWhere(ctx, a as Value[], fn, 0) >= 0),
  ...withCallback('all', ['array'], [], (ctx, [a, fn]) => {
    const array = a as Value[];
    const cb = new Callback(ctx, asFnPtr(fn), ELEMENT_FIRST);
    for (let i = 0; i < array.length; i++) if (!isTrue(callOnElement(cb, array, i))) return false;
    return true;
  }),
  ...withCallback('reduce', ['array'], [], (ctx, [a, fn]) => reduce(ctx, a as Value[], fn, undefined, false)),
  ...withCallback('reduce', ['array'], ['any'], (ctx, [a, fn, init]) =>
    reduce(ctx, a as Value[], fn, init, false),
  ),
  ...withCallback('reduce_rev', ['array'], [], (ctx, [a, fn]) =>
    reduce(ctx, a as Value[], fn, undefined, true),
  ),
  ...withCallback('reduce_rev', ['array'], ['any'], (ctx, [a, fn, init]) =>
    reduce(ctx, a as Value[], fn, init, true),
  ),
  ...withCallback('drain', ['array'], [], (ctx, [a, fn]) => removeWhere(ctx, a as Value[], fn, true), true),
  ...withCallback('retain', ['array'], [], (ctx, [a, fn]) => removeWhere(ctx, a as Value[], fn, false), true),
  ...withCallback('zip', ['array', 'array'], [], (ctx, [a, b, fn]) => {
    const x = a as Value[];
    const y = b as Value[];
    const n = Math.min(x.length, y.length);
    const cb = new Callback(ctx, asFnPtr(fn), { elementAt: null, hasElement: false });
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = cb.invoke([x[i], y[i]], null, [i]);
    return out;
  }),

  // Ordering
  def(
    'sort',
    ['array'],
    (ctx, [a]) => {
      sortBuiltin(ctx, a as Value[], false);
      return undefined;
    },
    true,
  ),
  def(
    'sort_desc',
    ['array'],
    (ctx, [a]) => {
      sortBuiltin(ctx, a as Value[], true);
      return undefined;
    },
    true,
  ),
  ...withCallback(
    'sort',
    ['array'],
    [],
    (ctx, [a, fn]) => {
      sortWith(ctx, a as Value[], fn);
      return undefined;
    },
    true,
  ),
  ...withCallback(
    'sort_by',
    ['array'],
    [],
    (ctx, [a, fn]) => {
      sortWith(ctx, a as Value[], fn);
      return undefined;
    },
    true,
  ),
  def('order', ['array'], (ctx, [a]) => {
    const copy = copyValue(ctx, a) as Value[];
    sortBuiltin(ctx, copy, false);
    return copy;
  }),
  def('order_desc', ['array'], (ctx, [a]) => {
    const copy = copyValue(ctx, a) as Value[];
    sortBuiltin(ctx, copy, true);
    return copy;
  }),
  ...withCallback('order', ['array'], [], (ctx, [a, fn]) => {
    const copy = copyValue(ctx, a) as Value[];
    sortWith(ctx, copy, fn);
    return copy;
  }),
  ...withCallback('order_by', ['array'], [], (ctx, [a, fn]) => {
    const copy = copyValue(ctx, a) as Value[];
    sortWith(ctx, copy, fn);
    return copy;
  }),
  def(
    'dedup',
    ['array'],
    (ctx, [a]) => {
      dedup(ctx, a as Value[], (x, y) => deepEqual(ctx, x, y));
      return undefined;
    },
    true,
  ),
  ...withCallback(
    'dedup',
    ['array'],
    [],
    (ctx, [a, fn]) => {
      const ptr = asFnPtr(fn);
      dedup(ctx, a as Value[], (prev, cur) => {
        try {
          return isTrue(ctx.callFnPtr(ptr, [prev, cur]));
        } catch (e) {
          // Rhai removes nothing when the comparer does not exist.
          if (e instanceof RhaiError && e.kind === 'ErrorFunctionNotFound' && e.message.includes(ptr.name))
            return false;
          throw e;
        }
      });
      return undefined;
    },
    true,
  ),
];
