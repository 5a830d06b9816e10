/**
 * A small stand-in for the engine, for testing standard-library natives directly: resolves a
 * call by name and argument types (as the engine does), supplies a NativeCallContext with
 * configurable limits, and models script callbacks as JS functions with a fixed arity.
 */
import { RhaiError } from '../../../server/rhai/errors.js';
import { DEFAULT_LIMITS, type Limits } from '../../../server/rhai/runtime/limits.js';
import type { NativeCallContext, NativeFnDef, ParamType } from '../../../server/rhai/runtime/native.js';
import {
  FnPtr,
  RBlob,
  RChar,
  RFloat,
  RRange,
  RTimestamp,
  type Value,
} from '../../../server/rhai/runtime/value.js';
import { standardLibrary } from '../../../server/rhai/stdlib/index.js';

/** A script-like callback: `arity` parameters, optional `this`. */
export interface FakeClosure {
  arity: number;
  body: (args: Value[], self: { value: Value }) => Value;
}

/** Build a function pointer to a fake closure. */
export function closure(arity: number, body: (args: Value[], self: { value: Value }) => Value): FnPtr {
  return new FnPtr(`anon$${arity}`, [], { arity, body } satisfies FakeClosure);
}

function matches(t: ParamType, v: Value): boolean {
  switch (t) {
    case 'any':
      return true;
    case 'int':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
    case 'float':
      return v instanceof RFloat || (typeof v === 'number' && !Number.isInteger(v));
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'char':
      return v instanceof RChar;
    case 'array':
      return Array.isArray(v);
    case 'map':
      return v instanceof Map;
    case 'blob':
      return v instanceof RBlob;
    case 'timestamp':
      return v instanceof RTimestamp;
    case 'fnptr':
      return v instanceof FnPtr;
    case 'range':
      return v instanceof RRange;
    case 'unit':
      return v === undefined;
    default:
      return false;
  }
}

/** Options for a {@link Harness}. */
export interface HarnessOptions {
  limits?: Partial<Limits>;
}

/** Calls standard-library functions the way the engine would. */
export class Harness {
  readonly defs: readonly NativeFnDef[] = standardLibrary();
  operations = 0;
  readonly limits: Limits;

  constructor(options: HarnessOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  }

  /** Find the overload for a call (most specific: fewest `any` parameters). */
  resolve(name: string, args: Value[]): NativeFnDef {
    const candidates = this.defs.filter(
      (d) =>
        d.name === name && d.params.length === args.length && d.params.every((p, i) => matches(p, args[i])),
    );
    if (candidates.length === 0) {
      throw new RhaiError('ErrorFunctionNotFound', `Function not found: ${name} (${args.length} args)`);
    }
    candidates.sort(
      (a, b) => a.params.filter((p) => p === 'any').length - b.params.filter((p) => p === 'any').length,
    );
    return candidates[0];
  }

  /** Call a function; returns the result and the receiver afterwards (after `setThis`). */
  callWithThis(name: string, ...args: Value[]): { result: Value; self: Value } {
    const def = this.resolve(name, args);
    let self = args[0];
    const ctx = this.context((v) => {
      self = v;
    });
    const result = def.fn(ctx, args);
    return { result, self };
  }

  /** Call a function and return its result. */
  call(name: string, ...args: Value[]): Value {
    return this.callWithThis(name, ...args).result;
  }

  /** Call a method that changes its receiver; returns the receiver afterwards. */
  mutate(name: string, ...args: Value[]): Value {
    return this.callWithThis(name, ...args).self;
  }

  private invoke(fn: FnPtr, args: Value[], self: { value: Value }): Value {
    const all = [...fn.curried, ...args];
    const target = fn.target as FakeClosure | undefined;
    if (target) {
      if (target.arity !== all.length) {
        throw new RhaiError('ErrorFunctionNotFound', `Function not found: ${fn.name} (${all.length} args)`);
      }
      this.operations++;
      return target.body(all, self);
    }
    return this.call(fn.name, ...all);
  }

  private accepts(fn: FnPtr, n: number): boolean {
    const total = fn.curried.length + n;
    const target = fn.target as FakeClosure | undefined;
    if (target) return target.arity === total;
    return this.defs.some((d) => d.name === fn.name && d.params.length === total);
  }

  private context(setThis: (v: Value) => void): NativeCallContext {
    return {
      callFnPtr: (fn, args) => this.invoke(fn, args, { value: undefined }),
      setThis,
      position: { line: 1, column: 1 },
      limits: this.limits,
      addOperations: (n) => {
        this.operations += n;
        if (this.limits.maxOperations > 0 && this.operations > this.limits.maxOperations) {
          throw new RhaiError('ErrorTooManyOperations', 'Too many operations');
        }
      },
      fnPtrAcceptsArgs: (fn, n) => this.accepts(fn, n),
      callFnPtrWithThis: (fn, ref, args) => this.invoke(fn, args, ref),
    };
  }
}

/** Shorthands for building values. */
export const ch = (s: string): RChar => RChar.fromString(s);
export const fl = (n: number): Value => (Number.isInteger(n) ? new RFloat(n) : n);
export const blob = (...bytes: number[]): RBlob => new RBlob(bytes);
export const range = (start: number, end: number, inclusive = false): RRange =>
  new RRange(start, end, inclusive);
export const map = (entries: Record<string, Value>): Map<string, Value> => new Map(Object.entries(entries));

/** Expect a call to throw a RhaiError of the given kind. */
export function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof RhaiError) return e.kind;
    throw e;
  }
  return undefined;
}
