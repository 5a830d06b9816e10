/**
 * Run-time views of variable scopes, used only where names are not resolved at compile time:
 * host `Scope` variables, variables created by `eval`, and functions called with `name!(...)`.
 */
import { RhaiError } from '../errors.js';
import type { Scope } from './scope.js';
import type { Value } from './value.js';

/** Marker for "no such variable". */
export const NOT_FOUND: unique symbol = Symbol('not-found');

/** A variable created at run time (by `eval`). */
export interface DynVar {
  value: Value;
  readonly constant: boolean;
}

/**
 * The variables `eval` created in one function activation, as a stack: a later definition of a
 * name shadows an earlier one, and a block that called `eval` drops what it defined on exit.
 */
export class DynFrame {
  private readonly names: string[] = [];
  private readonly vars: DynVar[] = [];
  /** Number of live definitions. */
  get size(): number {
    return this.names.length;
  }
  /** The latest definition of `name`. */
  get(name: string): DynVar | undefined {
    const i = this.names.lastIndexOf(name);
    return i < 0 ? undefined : this.vars[i];
  }
  /** Define (or shadow) a variable. */
  define(name: string, value: Value, constant: boolean): void {
    this.names.push(name);
    this.vars.push({ value, constant });
  }
  /** A mark to `release` back to. */
  mark(): number {
    return this.names.length;
  }
  /** Forget the definitions made since `mark`. */
  release(mark: number): void {
    this.names.length = mark;
    this.vars.length = mark;
  }
  /** Live definitions in the order they were made. */
  entries(): [string, DynVar][] {
    return this.names.map((n, i) => [n, this.vars[i]]);
  }
}

/** Name-based access to variables. */
export interface ScopeView {
  get(name: string): Value | typeof NOT_FOUND;
  /** Assign an existing variable: false when absent; throws for constants. */
  set(name: string, v: Value): boolean;
  /** Create (or shadow) a variable. */
  define(name: string, v: Value, constant: boolean): void;
}

function constantError(name: string): RhaiError {
  return new RhaiError('ErrorAssignmentToConstant', `Cannot modify constant ${name}`);
}

/** The host's Scope seen from the top level of a script. */
export class HostScopeView implements ScopeView {
  private readonly scope: Scope;
  constructor(scope: Scope) {
    this.scope = scope;
  }
  get(name: string): Value | typeof NOT_FOUND {
    const e = this.scope.entry(name);
    return e === undefined ? NOT_FOUND : e.value;
  }
  set(name: string, v: Value): boolean {
    const e = this.scope.entry(name);
    if (e === undefined) return false;
    if (e.constant) throw constantError(name);
    e.value = v;
    return true;
  }
  /** A top-level definition reuses the scope's entry of that name (value and constness), as in Rhai. */
  define(name: string, v: Value, constant: boolean): void {
    const e = this.scope.entry(name);
    if (e === undefined) {
      this.scope.pushValue(name, v, constant);
      return;
    }
    e.value = v;
    e.constant = constant;
  }
  /** The underlying scope. */
  get hostScope(): Scope {
    return this.scope;
  }
}

/**
 * The statically known variables at an `eval` / `name!()` call site (read and written through
 * compiler-generated accessors), then the function's eval frame, then the enclosing view.
 */
export class StaticView implements ScopeView {
  private readonly frame: DynFrame | null;
  private readonly parent: ScopeView | null;
  private readonly names: readonly string[];
  private readonly consts: readonly boolean[];
  private readonly getter: () => Value[];
  private readonly setter: (i: number, v: Value) => void;
  /** The script's global constants, when the call site is the script's top level. */
  private readonly globals: Map<string, Value> | null;

  constructor(
    frame: DynFrame | null,
    parent: ScopeView | null,
    names: readonly string[],
    consts: readonly boolean[],
    getter: () => Value[],
    setter: (i: number, v: Value) => void,
    globals: Map<string, Value> | null = null,
  ) {
    this.frame = frame;
    this.parent = parent;
    this.names = names;
    this.consts = consts;
    this.getter = getter;
    this.setter = setter;
    this.globals = globals;
  }

  // Variables `eval` defined come first: they were defined after the static ones in scope here.
  get(name: string): Value | typeof NOT_FOUND {
    const d = this.frame?.get(name);
    if (d !== undefined) return d.value;
    const i = this.names.indexOf(name);
    if (i >= 0) return this.getter()[i];
    return this.parent === null ? NOT_FOUND : this.parent.get(name);
  }

  set(name: string, v: Value): boolean {
    const d = this.frame?.get(name);
    if (d !== undefined) {
      if (d.constant) throw constantError(name);
      d.value = v;
      return true;
    }
    const i = this.names.indexOf(name);
    if (i >= 0) {
      if (this.consts[i]) throw constantError(name);
      this.setter(i, v);
      return true;
    }
    return this.parent === null ? false : this.parent.set(name, v);
  }

  define(name: string, v: Value, constant: boolean): void {
    if (this.frame !== null) this.frame.define(name, v, constant);
    // A constant defined at the top level is a global constant (`global::NAME`).
    if (constant && this.globals !== null) this.globals.set(name, v);
  }
}

/** Read a name from an eval frame then a view. */
export function dynLookup(
  frame: DynFrame | null,
  view: ScopeView | null,
  name: string,
): Value | typeof NOT_FOUND {
  if (frame !== null) {
    const d = frame.get(name);
    if (d !== undefined) return d.value;
  }
  return view === null ? NOT_FOUND : view.get(name);
}
