/**
 * Conversion between host JS values and Rhai values (see docs/rhai-engine.md for the table).
 */
import { RhaiError } from './errors.js';
import {
  FnPtr,
  makeInt,
  RBlob,
  RChar,
  RCustom,
  RFloat,
  RRange,
  RTimestamp,
  sortedKeys,
  type Value,
} from './runtime/value.js';

/** Convert a Rhai value to a plain JS value for the host. */
export function toJs(v: Value): unknown {
  switch (typeof v) {
    case 'undefined':
      return null;
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return v;
    default:
      break;
  }
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof Map) {
    // Keys in Rhai's order (maps are ordered by key), so JSON and printed output agree.
    const out: Record<string, unknown> = Object.create(null);
    for (const k of sortedKeys(v)) out[k] = toJs(v.get(k) as Value);
    return out;
  }
  if (v instanceof RFloat) return v.value;
  if (v instanceof RChar) return v.str;
  if (v instanceof RBlob) return v.toUint8Array();
  if (v instanceof RTimestamp) return v.ms;
  if (v instanceof FnPtr) return v.name;
  if (v instanceof RRange) {
    const out: Record<string, unknown> = Object.create(null);
    out.start = v.exactStart;
    out.end = v.exactEnd;
    out.inclusive = v.inclusive;
    return out;
  }
  if (v instanceof RCustom) return v.payload;
  return null;
}

/** True for `{...}` objects (prototype Object.prototype or null), which become maps. */
function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === null || proto === Object.prototype;
}

/**
 * Convert a host JS value to a Rhai value. Rhai values (RChar, RFloat, FnPtr, ...) pass through.
 * Functions and symbols are refused; other class instances become opaque `RCustom` values.
 */
export function fromJs(x: unknown, depth = 0): Value {
  if (depth > 256) throw RhaiError.mismatch('Value nested too deeply to convert');
  switch (typeof x) {
    case 'undefined':
      return undefined;
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      if (Number.isInteger(x) && !Object.is(x, -0)) return makeInt(x);
      return Number.isInteger(x) || Object.is(x, -0) ? new RFloat(x) : x;
    case 'bigint':
      return makeInt(x);
    case 'function':
    case 'symbol':
      throw RhaiError.mismatch(`Cannot convert a JS ${typeof x} to a Rhai value`);
    default:
      break;
  }
  if (x === null) return undefined;
  const o = x as object;
  if (Array.isArray(o)) return o.map((e) => fromJs(e, depth + 1));
  if (o instanceof Map) {
    const m = new Map<string, Value>();
    for (const [k, e] of o) m.set(String(k), fromJs(e, depth + 1));
    return m;
  }
  if (o instanceof Uint8Array) return new RBlob(o);
  if (
    o instanceof RFloat ||
    o instanceof RChar ||
    o instanceof RBlob ||
    o instanceof RTimestamp ||
    o instanceof FnPtr ||
    o instanceof RRange ||
    o instanceof RCustom
  ) {
    return o;
  }
  if (o instanceof Date) return makeInt(o.getTime());
  if (isPlainObject(o)) {
    const m = new Map<string, Value>();
    for (const k of Object.keys(o)) m.set(k, fromJs((o as Record<string, unknown>)[k], depth + 1));
    return m;
  }
  return new RCustom('object', o);
}
