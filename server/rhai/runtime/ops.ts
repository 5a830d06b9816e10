/**
 * Built-in operators on the standard types (the slow paths behind the compiler's inline fast paths).
 * Integers are i64 with checked arithmetic; they are JS numbers while safe and bigints beyond that.
 * Each function returns `NOT_BUILTIN` when the operand types have no built-in meaning, so the
 * runtime can try a registered operator overload before reporting an error.
 */
import { RhaiError } from '../errors.js';
import {
  compareFloats,
  compareStrings,
  displayString,
  FnPtr,
  I64_MAX,
  I64_MIN,
  makeFloat,
  RBlob,
  RChar,
  RFloat,
  RRange,
  type Value,
  valuesEqual,
} from './value.js';

/** Marker: the operator is not built in for these operand types. */
export const NOT_BUILTIN: unique symbol = Symbol('not-builtin');
/** Result of an operator: a value or the not-built-in marker. */
export type OpResult = Value | typeof NOT_BUILTIN;

const MAX_SAFE = 9007199254740991;

/** 1 = INT, 2 = FLOAT, 0 = not a number. */
function numKind(v: Value): 0 | 1 | 2 {
  if (typeof v === 'number') return Number.isInteger(v) ? 1 : 2;
  if (typeof v === 'bigint') return 1;
  if (v instanceof RFloat) return 2;
  return 0;
}

function fval(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return (v as RFloat).value;
}

function big(v: Value): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

/** Normalise a bigint result: throw on i64 overflow, return a number when safe. */
function fromBig(r: bigint, msg: () => string): number | bigint {
  if (r > I64_MAX || r < I64_MIN) throw RhaiError.arithmetic(msg());
  if (r >= -9007199254740991n && r <= 9007199254740991n) return Number(r);
  return r;
}

function intResult(r: number, a: Value, b: Value, op: (x: bigint, y: bigint) => bigint, msg: () => string) {
  if (r <= MAX_SAFE && r >= -MAX_SAFE) return r === 0 ? 0 : r;
  return fromBig(op(big(a), big(b)), msg);
}

/** `a + b` (numbers, string/char concatenation, array/map/blob concatenation). */
export function add(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka !== 0 && kb !== 0) {
    if (ka === 1 && kb === 1) {
      if (typeof a === 'number' && typeof b === 'number') {
        return intResult(
          a + b,
          a,
          b,
          (x, y) => x + y,
          () => `Addition overflow: ${a} + ${b}`,
        );
      }
      return fromBig(big(a) + big(b), () => `Addition overflow: ${a} + ${b}`);
    }
    return makeFloat(fval(a) + fval(b));
  }
  if (typeof a === 'string') {
    return typeof b === 'string' ? a + b : a + displayString(b);
  }
  if (typeof b === 'string') return displayString(a) + b;
  if (a instanceof RChar && b instanceof RChar) return a.str + b.str;
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: Value[] = new Array(a.length + b.length);
    for (let i = 0; i < a.length; i++) out[i] = cloneIfObject(a[i]);
    for (let i = 0; i < b.length; i++) out[a.length + i] = cloneIfObject(b[i]);
    return out;
  }
  if (a instanceof Map && b instanceof Map) {
    const out = new Map<string, Value>();
    for (const [k, v] of a) out.set(k, cloneIfObject(v));
    for (const [k, v] of b) out.set(k, cloneIfObject(v));
    return out;
  }
  if (a instanceof RBlob && b instanceof RBlob) {
    const out = a.clone();
    out.append(b.view());
    return out;
  }
  return NOT_BUILTIN;
}

/** `a - b` (numbers; a string minus a string or char removes every occurrence of it). */
export function sub(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (typeof a === 'string') {
    const part = typeof b === 'string' ? b : b instanceof RChar ? b.str : undefined;
    if (part === undefined) return NOT_BUILTIN;
    return part === '' ? a : a.split(part).join('');
  }
  if (ka === 0 || kb === 0) return NOT_BUILTIN;
  if (ka === 1 && kb === 1) {
    if (typeof a === 'number' && typeof b === 'number') {
      return intResult(
        a - b,
        a,
        b,
        (x, y) => x - y,
        () => `Subtraction overflow: ${a} - ${b}`,
      );
    }
    return fromBig(big(a) - big(b), () => `Subtraction overflow: ${a} - ${b}`);
  }
  return makeFloat(fval(a) - fval(b));
}

/** `a * b`. */
export function mul(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka === 0 || kb === 0) return NOT_BUILTIN;
  if (ka === 1 && kb === 1) {
    if (typeof a === 'number' && typeof b === 'number') {
      const r = a * b;
      if (r <= MAX_SAFE && r >= -MAX_SAFE) return r === 0 ? 0 : r;
    }
    return fromBig(big(a) * big(b), () => `Multiplication overflow: ${a} * ${b}`);
  }
  return makeFloat(fval(a) * fval(b));
}

/** `a / b`: integer division truncates; division by zero is an error for integers. */
export function div(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka === 0 || kb === 0) return NOT_BUILTIN;
  if (ka === 1 && kb === 1) {
    if (b === 0 || b === 0n) throw RhaiError.arithmetic(`Division by zero: ${a} / ${b}`);
    if (typeof a === 'number' && typeof b === 'number') return Math.trunc(a / b) + 0;
    const x = big(a);
    const y = big(b);
    if (x === I64_MIN && y === -1n) throw RhaiError.arithmetic(`Division overflow: ${a} / ${b}`);
    return fromBig(x / y, () => `Division overflow: ${a} / ${b}`);
  }
  return makeFloat(fval(a) / fval(b));
}

/** `a % b`: remainder with the sign of the dividend. */
export function mod(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka === 0 || kb === 0) return NOT_BUILTIN;
  if (ka === 1 && kb === 1) {
    if (b === 0 || b === 0n) throw RhaiError.arithmetic(`Modulo division by zero or overflow: ${a} % ${b}`);
    if (typeof a === 'number' && typeof b === 'number') return (a % b) + 0;
    if (big(a) === I64_MIN && big(b) === -1n) {
      throw RhaiError.arithmetic(`Modulo division by zero or overflow: ${a} % ${b}`);
    }
    return fromBig(big(a) % big(b), () => `Modulo division by zero or overflow: ${a} % ${b}`);
  }
  return makeFloat(fval(a) % fval(b));
}

/** `a ** b`. */
export function pow(a: Value, b: Value): OpResult {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka === 0 || kb === 0) return NOT_BUILTIN;
  if (ka === 1 && kb === 1) {
    const y = big(b);
    if (y < 0n) throw RhaiError.arithmetic(`Integer raised to a negative index: ${a} ** ${b}`);
    const x = big(a);
    if (y === 0n) return 1;
    if (x === 0n || x === 1n) return Number(x);
    if (x === -1n) return y % 2n === 0n ? 1 : -1;
    if (y > 64n) throw RhaiError.arithmetic(`Exponential overflow: ${a} ** ${b}`);
    if (typeof a === 'number') {
      const r = a ** Number(y);
      if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
    }
    return fromBig(x ** y, () => `Exponential overflow: ${a} ** ${b}`);
  }
  return makeFloat(fval(a) ** fval(b));
}

function shiftCount(b: Value): bigint | undefined {
  return numKind(b) === 1 ? big(b) : undefined;
}

/** `a << b` (negative counts shift right); more than 63 bits is an error. */
export function shl(a: Value, b: Value): OpResult {
  const n = shiftCount(b);
  if (numKind(a) !== 1 || n === undefined) return NOT_BUILTIN;
  if (n < 0n) return shr(a, n === I64_MIN ? I64_MAX : Number(-n));
  if (n >= 64n) throw RhaiError.arithmetic(`Left-shift by too many bits: ${a} << ${b}`);
  return fromBig(BigInt.asIntN(64, big(a) << n), () => 'Left-shift overflow');
}

/** `a >> b` (arithmetic shift; negative counts shift left). */
export function shr(a: Value, b: Value): OpResult {
  const n = shiftCount(b);
  if (numKind(a) !== 1 || n === undefined) return NOT_BUILTIN;
  if (n < 0n) return shl(a, n === I64_MIN ? I64_MAX : Number(-n));
  if (n >= 64n) throw RhaiError.arithmetic(`Right-shift by too many bits: ${a} >> ${b}`);
  return fromBig(big(a) >> n, () => 'Right-shift overflow');
}

type BitOp = (x: bigint, y: bigint) => bigint;

function bitwise(a: Value, b: Value, op: BitOp, bop: (x: boolean, y: boolean) => boolean): OpResult {
  if (typeof a === 'boolean' && typeof b === 'boolean') return bop(a, b);
  if (numKind(a) !== 1 || numKind(b) !== 1) return NOT_BUILTIN;
  return fromBig(BigInt.asIntN(64, op(big(a), big(b))), () => 'Bitwise overflow');
}

/** `a & b` (integers bit-wise; booleans without short-circuit). */
export function bitAnd(a: Value, b: Value): OpResult {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a & b;
  return bitwise(
    a,
    b,
    (x, y) => x & y,
    (x, y) => x && y,
  );
}

/** `a | b`. */
export function bitOr(a: Value, b: Value): OpResult {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a | b;
  return bitwise(
    a,
    b,
    (x, y) => x | y,
    (x, y) => x || y,
  );
}

/** `a ^ b`. */
export function bitXor(a: Value, b: Value): OpResult {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a ^ b;
  return bitwise(
    a,
    b,
    (x, y) => x ^ y,
    (x, y) => x !== y,
  );
}

/** Unary `-`. */
export function neg(a: Value): OpResult {
  if (typeof a === 'number') return Number.isInteger(a) ? 0 - a : -a;
  if (typeof a === 'bigint') return fromBig(-a, () => `Negation overflow: -${a}`);
  if (a instanceof RFloat) return new RFloat(-a.value);
  return NOT_BUILTIN;
}

/** `a == b` for built-in types: INT/FLOAT numerically, char/string textually, containers deeply. */
export function eq(a: Value, b: Value): boolean {
  if (a instanceof RChar && typeof b === 'string') return a.str === b;
  if (typeof a === 'string' && b instanceof RChar) return a === b.str;
  return valuesEqual(a, b);
}

/**
 * Three-way comparison for ordered built-in types; `undefined` when the pair is not comparable
 * (different types compare as `false` in Rhai).
 */
export function compare(a: Value, b: Value): number | undefined {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka !== 0 && kb !== 0) {
    if (typeof a === 'bigint' || typeof b === 'bigint') {
      if (ka === 1 && kb === 1) {
        const x = big(a);
        const y = big(b);
        return x < y ? -1 : x > y ? 1 : 0;
      }
    }
    if (ka === 1 && kb === 1) {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return compareFloats(fval(a), fval(b));
  }
  if (typeof a === 'string') {
    if (typeof b === 'string') return compareStrings(a, b);
    if (b instanceof RChar) return compareStrings(a, b.str);
    return undefined;
  }
  if (a instanceof RChar) {
    if (b instanceof RChar) return a.cp - b.cp;
    if (typeof b === 'string') return compareStrings(a.str, b);
    return undefined;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

/** True when the pair has a built-in ordering. */
export function isComparable(a: Value, b: Value): boolean {
  return compare(a, b) !== undefined;
}

/** `item in container` for built-in containers. */
export function contains(container: Value, item: Value): OpResult {
  if (typeof container === 'string') {
    if (typeof item === 'string') return container.includes(item);
    if (item instanceof RChar) return container.includes(item.str);
    return NOT_BUILTIN;
  }
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (eq(container[i], item)) return true;
    return false;
  }
  if (container instanceof Map) {
    if (typeof item === 'string') return container.has(item);
    if (item instanceof RChar) return container.has(item.str);
    return NOT_BUILTIN;
  }
  if (container instanceof RRange) {
    if ((typeof item === 'number' && Number.isInteger(item)) || typeof item === 'bigint')
      return container.contains(item);
    return NOT_BUILTIN;
  }
  if (container instanceof RBlob) {
    if (typeof item === 'number' && Number.isInteger(item)) {
      for (let i = 0; i < container.length; i++) if (container.bytes[i] === item) return true;
      return false;
    }
    return NOT_BUILTIN;
  }
  return NOT_BUILTIN;
}

/** `a..b` / `a..=b`. */
export function range(a: Value, b: Value, inclusive: boolean): OpResult {
  if (numKind(a) !== 1 || numKind(b) !== 1) return NOT_BUILTIN;
  return new RRange(a as number | bigint, b as number | bigint, inclusive);
}

function cloneIfObject(v: Value): Value {
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneIfObject);
  if (v instanceof Map) {
    const m = new Map<string, Value>();
    for (const [k, x] of v) m.set(k, cloneIfObject(x));
    return m;
  }
  if (v instanceof RBlob) return v.clone();
  return v;
}

/** The name of a Rhai operator function for error messages and overload lookup. */
export const OP_NAMES = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  mod: '%',
  pow: '**',
  shl: '<<',
  shr: '>>',
  bitAnd: '&',
  bitOr: '|',
  bitXor: '^',
} as const;

/** Is this value callable as a function pointer? */
export function isFnPtr(v: Value): v is FnPtr {
  return v instanceof FnPtr;
}
