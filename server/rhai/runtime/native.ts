/**
 * The contract between the engine and native (JS) functions: the standard library and host
 * functions (e.g. PiCloud's `kv::get`) are all `NativeFnDef`s resolved by name, arity and
 * argument types.
 */
import type { Position } from '../errors.js';
import type { Limits } from './limits.js';
import type { FnPtr, Value } from './value.js';

export type { Limits } from './limits.js';

/** What a native function can do besides computing its result. */
export interface NativeCallContext {
  /** Call a function pointer/closure (for map/filter/sort/reduce...); counts operations, obeys limits. */
  callFnPtr(fn: FnPtr, args: Value[]): Value;
  /** Replace the receiver of a method call (for in-place methods on immutable JS values, e.g. string `trim`). */
  setThis(v: Value): void;
  /** Position of the call site (for errors). */
  readonly position: Position;
  /** Engine limits in force (max string size, array size, map size...) so natives can refuse growth. */
  readonly limits: Readonly<Limits>;
  /** Count extra operations for expensive natives (e.g. per element). */
  addOperations(n: number): void;
  /**
   * True when calling `fn` with `n` more arguments (after its curried ones) would find a function:
   * a closure/script function of that arity, or a native of that name and arity.
   */
  fnPtrAcceptsArgs(fn: FnPtr, n: number): boolean;
  /**
   * Call `fn` with `this` bound to `thisRef.value` (script functions and closures); afterwards
   * `thisRef.value` holds the possibly replaced `this`. Natives receive `this` as first argument.
   */
  callFnPtrWithThis(fn: FnPtr, thisRef: { value: Value }, args: Value[]): Value;
}

/** Parameter type tags used for overload resolution (Rhai resolves by name, arity and argument types). */
export type ParamType =
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'char'
  | 'array'
  | 'map'
  | 'blob'
  | 'timestamp'
  | 'fnptr'
  | 'range'
  | 'unit'
  | 'any';

/** A native function: receives the call context and the (already evaluated) arguments. */
export type NativeFn = (ctx: NativeCallContext, args: Value[]) => Value;

/** A native function definition. */
export interface NativeFnDef {
  /** Name as scripts call it; property getters/setters use `get$prop` / `set$prop` as in Rhai. */
  name: string;
  /** Parameter types, one per argument (the method-call receiver is the first). */
  params: readonly ParamType[];
  /** Implementation. */
  fn: NativeFn;
  /** true when the function may mutate its first argument in place (method-call receiver). */
  mutates?: boolean;
}

/** Something natives can be registered into (the Engine's function table, or a host module). */
export interface NativeRegistry {
  /** Register one function (later registrations of the same signature replace earlier ones). */
  register(def: NativeFnDef): void;
}
