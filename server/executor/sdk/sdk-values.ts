/**
 * Values crossing the service boundary: script arguments become plain JSON (checked, with the path
 * of the first value that is not JSON in the error), and service results become Rhai values within
 * the run's size limits. Plus the argument checks every SDK function shares.
 */

import { MAX_VALUE_DEPTH } from '../../contracts/executor.js';
import {
  FnPtr,
  isInt,
  makeFloat,
  makeInt,
  type NativeCallContext,
  type NativeFnDef,
  RBlob,
  RChar,
  RFloat,
  RhaiError,
  typeOf,
  type Value,
} from '../../rhai/index.js';
import { checkBlobSize, checkStringSize } from '../../rhai/stdlib/support.js';
import { invalidArgument, ScriptServiceError } from './service-binding.js';

/** Integers beyond ±(2^53−1) would lose precision in JSON as JavaScript reads it. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** What a non-JSON value is, for the error message. */
function describeNonJson(v: Value): string {
  if (v instanceof FnPtr) return 'a function pointer';
  if (v instanceof RBlob) return 'a BLOB';
  return `a ${typeOf(v)}`;
}

/**
 * Where in an argument a bad value sits, without naming what the argument holds (map keys are data,
 * and may be secret): `value`, or `value, 2 levels deep`.
 */
function where(what: string, depth: number): string {
  return depth === 0 ? what : `${what}, ${depth} level${depth === 1 ? '' : 's'} deep,`;
}

/**
 * Converts a script value to JSON for a service: maps → objects, arrays, strings and chars, integers
 * (within ±2^53−1), finite floats, bools, `()` → null. Anything else is a `BAD_ARGUMENTS` error
 * saying which argument holds it and how deep — never the value, nor the map keys leading to it.
 */
export function toServiceJson(label: string, what: string, v: Value, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) {
    throw invalidArgument(label, `${what} is nested more than ${MAX_VALUE_DEPTH} levels deep`);
  }
  switch (typeof v) {
    case 'undefined':
      return null;
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      if (!Number.isFinite(v)) {
        throw invalidArgument(label, `${where(what, depth)} holds a number JSON cannot hold (${v})`);
      }
      if (Number.isInteger(v) && Math.abs(v) > MAX_EXACT) break;
      return v;
    case 'bigint':
      break;
    default:
      if (Array.isArray(v)) return v.map((e) => toServiceJson(label, what, e, depth + 1));
      if (v instanceof Map) {
        // No prototype: a key named `__proto__` is just a key.
        const out: Record<string, unknown> = Object.create(null);
        for (const [k, e] of v) out[k] = toServiceJson(label, what, e, depth + 1);
        return out;
      }
      if (v instanceof RChar) return v.str;
      if (v instanceof RFloat) {
        if (!Number.isFinite(v.value)) {
          throw invalidArgument(label, `${where(what, depth)} holds a number JSON cannot hold (${v.value})`);
        }
        return v.value;
      }
      throw invalidArgument(label, `${where(what, depth)} holds ${describeNonJson(v)}, which is not JSON`);
  }
  throw invalidArgument(
    label,
    `${where(what, depth)} holds an integer beyond ±${MAX_EXACT} (the integers JSON keeps exactly); send it as a string`,
  );
}

function tooLarge(ctx: NativeCallContext, what: string): RhaiError {
  return RhaiError.tooLarge(what, ctx.position);
}

/** Characters of `s` (code points), counted only when the UTF-16 length could exceed `max`. */
function longerThan(s: string, max: number): boolean {
  if (max <= 0 || s.length <= max) return false;
  let chars = 0;
  for (const _ of s) if (++chars > max) return true;
  return false;
}

/**
 * Converts a service result (JSON) to a Rhai value: objects → maps, integral numbers → INT, other
 * numbers → FLOAT, null → `()`. Strings, arrays and maps larger than the run's limits are
 * ErrorDataTooLarge, as if the script had built them.
 */
export function fromServiceJson(ctx: NativeCallContext, label: string, x: unknown, depth = 0): Value {
  if (depth > MAX_VALUE_DEPTH + 1) {
    throw new ScriptServiceError(label, 'INTERNAL', 'The service answered a value nested too deeply');
  }
  const limits = ctx.limits;
  switch (typeof x) {
    case 'undefined':
      return undefined;
    case 'boolean':
      return x;
    case 'string':
      if (longerThan(x, limits.maxStringSize)) throw tooLarge(ctx, 'Length of string');
      return x;
    case 'number':
      // Integers JSON keeps exactly are INTs; anything else (1.5, 1e300) is a FLOAT.
      return Number.isSafeInteger(x) ? makeInt(x) : makeFloat(x);
    case 'bigint':
      return makeInt(x);
    default:
      break;
  }
  if (x === null) return undefined;
  if (Array.isArray(x)) {
    if (limits.maxArraySize > 0 && x.length > limits.maxArraySize) throw tooLarge(ctx, 'Size of array');
    return x.map((e) => fromServiceJson(ctx, label, e, depth + 1));
  }
  if (x instanceof Date) return x.toISOString();
  if (
    typeof x === 'object' &&
    (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)
  ) {
    const keys = Object.keys(x);
    if (limits.maxMapSize > 0 && keys.length > limits.maxMapSize) throw tooLarge(ctx, 'Size of object map');
    const m = new Map<string, Value>();
    for (const k of keys) m.set(k, fromServiceJson(ctx, label, (x as Record<string, unknown>)[k], depth + 1));
    return m;
  }
  throw new ScriptServiceError(label, 'INTERNAL', 'The service answered a value that is not JSON');
}

/** A string argument (a char counts as a one-character string). */
export function stringArg(label: string, what: string, v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof RChar) return v.str;
  throw invalidArgument(label, `${what} must be a string, not ${typeOf(v)}`);
}

/** An integer argument within ±2^53−1. */
export function integerArg(label: string, what: string, v: Value): number {
  if (isInt(v) && typeof v === 'number') return v;
  if (typeof v === 'bigint') throw invalidArgument(label, `${what} is beyond ±${MAX_EXACT}`);
  throw invalidArgument(label, `${what} must be an integer, not ${typeOf(v)}`);
}

/** A number argument (integer or float), finite. */
export function numberArg(label: string, what: string, v: Value): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof RFloat && Number.isFinite(v.value)) return v.value;
  if (typeof v === 'bigint') return Number(v);
  throw invalidArgument(label, `${what} must be a number, not ${typeOf(v)}`);
}

/**
 * An options map whose keys must be among `allowed` (a typo is an error, not a silent default);
 * `()` counts as no options.
 */
export function optionsArg(label: string, v: Value, allowed: readonly string[]): Map<string, Value> {
  if (v === undefined) return new Map();
  if (!(v instanceof Map)) throw invalidArgument(label, `the options must be a map, not ${typeOf(v)}`);
  for (const key of v.keys()) {
    if (!allowed.includes(key)) {
      // The unknown name is not repeated: it is the script's data, and may be anything.
      throw invalidArgument(
        label,
        `the options hold an unknown name (expected ${allowed.map((a) => `"${a}"`).join(', ')})`,
      );
    }
  }
  return v;
}

/** An SDK function's body: `label` is its full name (`kv::get`) for messages. */
export type SdkFn = (ctx: NativeCallContext, args: Value[], label: string) => Value;

/**
 * Defines `module::name` taking `arity` arguments of any type: each function checks its own, so a
 * wrong type is a clear "must be a string" rather than "function not found".
 */
export function sdkFunction(module: string, name: string, arity: number, fn: SdkFn): NativeFnDef {
  const label = `${module}::${name}`;
  return { name, params: Array(arity).fill('any'), fn: (ctx, args) => fn(ctx, args, label) };
}

/**
 * Bytes of a string (its UTF-8 encoding), a char or a BLOB: what the hashing and encoding functions
 * accept wherever "data" is expected.
 */
export function bytesArg(label: string, what: string, v: Value): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof RChar) return Buffer.from(v.str, 'utf8');
  if (v instanceof RBlob) return Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.length);
  throw invalidArgument(label, `${what} must be a string or a BLOB, not ${typeOf(v)}`);
}

/** A new BLOB holding `bytes`, within the run's size limits. */
export function blobOf(ctx: NativeCallContext, bytes: Uint8Array): RBlob {
  checkBlobSize(ctx, bytes.length);
  return new RBlob(bytes);
}

/** A string result, within the run's size limits. */
export function stringOf(ctx: NativeCallContext, text: string): string {
  return checkStringSize(ctx, text);
}
