/**
 * Object-map functions. Maps are JS `Map`s keyed by property name (never plain objects, so
 * names like `__proto__` are ordinary keys). Rhai keeps map properties sorted by name, so
 * `keys()`, `values()` and the callback functions visit properties in that order.
 *
 * Only method forms exist for maps: `m.len` reads a property named "len", as in Rhai.
 */
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import { sortedKeys, type Value } from '../runtime/value.js';
import { asFnPtr, Callback, type CallbackLayout, isTrue } from './callbacks.js';
import { copyValue } from './deep.js';
import { chargeElements, checkArraySize, checkMapSize, def } from './support.js';

/** Map callbacks receive `(key, value)`, or `key` with the value bound to `this`. */
const KEY_THEN_VALUE: CallbackLayout = { elementAt: 1, hasElement: true };

type RMap = Map<string, Value>;

/** Call `cb` for property `key`, writing back any change made through `this`. */
function callOnProperty(cb: Callback, map: RMap, key: string): Value {
  const ref = { value: map.get(key) };
  const result = cb.invoke([key], ref, []);
  if (ref.value !== map.get(key)) map.set(key, ref.value);
  return result;
}

/** Copy the properties of `source` into `target` (all of them, or only missing ones). */
function merge(ctx: NativeCallContext, target: RMap, source: RMap, overwrite: boolean): void {
  let added = 0;
  for (const k of source.keys()) if (!target.has(k)) added++;
  checkMapSize(ctx, target.size + added);
  chargeElements(ctx, source.size);
  for (const [k, v] of source) {
    if (overwrite || !target.has(k)) target.set(k, copyValue(ctx, v));
  }
}

/** Remove the properties for which the predicate returns `want`; return them as a new map. */
function removeWhere(ctx: NativeCallContext, map: RMap, fn: Value, want: boolean): RMap {
  const removed: RMap = new Map();
  if (map.size === 0) return removed;
  const cb = new Callback(ctx, asFnPtr(fn), KEY_THEN_VALUE);
  for (const key of sortedKeys(map)) {
    const hit = isTrue(callOnProperty(cb, map, key));
    if (hit === want) {
      removed.set(key, map.get(key));
      map.delete(key);
    }
  }
  return removed;
}

/** The object-map package. */
export const mapFunctions: readonly NativeFnDef[] = [
  def('len', ['map'], (_ctx, [m]) => (m as RMap).size),
  def('is_empty', ['map'], (_ctx, [m]) => (m as RMap).size === 0),
  def('contains', ['map', 'string'], (_ctx, [m, k]) => (m as RMap).has(k as string)),
  def('get', ['map', 'string'], (ctx, [m, k]) => copyValue(ctx, (m as RMap).get(k as string))),
  def(
    'set',
    ['map', 'string', 'any'],
    (ctx, [m, k, v]) => {
      const map = m as RMap;
      if (!map.has(k as string)) checkMapSize(ctx, map.size + 1);
      map.set(k as string, copyValue(ctx, v));
      return undefined;
    },
    true,
  ),
  def(
    'remove',
    ['map', 'string'],
    (_ctx, [m, k]) => {
      const map = m as RMap;
      const v = map.get(k as string);
      map.delete(k as string);
      return v;
    },
    true,
  ),
  def(
    'clear',
    ['map'],
    (_ctx, [m]) => {
      (m as RMap).clear();
      return undefined;
    },
    true,
  ),
  def(
    'mixin',
    ['map', 'map'],
    (ctx, [m, other]) => {
      merge(ctx, m as RMap, other as RMap, true);
      return undefined;
    },
    true,
  ),
  def(
    '+=',
    ['map', 'map'],
    (ctx, [m, other]) => {
      merge(ctx, m as RMap, other as RMap, true);
      return undefined;
    },
    true,
  ),
  def('+', ['map', 'map'], (ctx, [m, other]) => {
    const out = copyValue(ctx, m) as RMap;
    merge(ctx, out, other as RMap, true);
    return out;
  }),
  def(
    'fill_with',
    ['map', 'map'],
    (ctx, [m, other]) => {
      merge(ctx, m as RMap, other as RMap, false);
      return undefined;
    },
    true,
  ),
  def('keys', ['map'], (ctx, [m]) => {
    const keys = sortedKeys(m as RMap);
    checkArraySize(ctx, keys.length);
    chargeElements(ctx, keys.length);
    return keys;
  }),
  def('values', ['map'], (ctx, [m]) => {
    const map = m as RMap;
    checkArraySize(ctx, map.size);
    chargeElements(ctx, map.size);
    return sortedKeys(map).map((k) => copyValue(ctx, map.get(k)));
  }),
  def('map', ['map', 'fnptr'], (ctx, [m, fn]) => {
    const map = m as RMap;
    const cb = new Callback(ctx, asFnPtr(fn), KEY_THEN_VALUE);
    const out: RMap = new Map();
    for (const key of sortedKeys(map)) out.set(key, callOnProperty(cb, map, key));
    return out;
  }),
  def('filter', ['map', 'fnptr'], (ctx, [m, fn]) => {
    const map = m as RMap;
    const cb = new Callback(ctx, asFnPtr(fn), KEY_THEN_VALUE);
    const out: RMap = new Map();
    for (const key of sortedKeys(map)) {
      if (isTrue(callOnProperty(cb, map, key))) out.set(key, copyValue(ctx, map.get(key)));
    }
    return out;
  }),
  def('drain', ['map', 'fnptr'], (ctx, [m, fn]) => removeWhere(ctx, m as RMap, fn, true), true),
  def('retain', ['map', 'fnptr'], (ctx, [m, fn]) => removeWhere(ctx, m as RMap, fn, false), true),
];
