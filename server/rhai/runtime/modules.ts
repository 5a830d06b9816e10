/**
 * Modules: namespaces of functions, constants and sub-modules, either loaded from a script
 * (`import "path" as m;`) or registered by the host (`kv::get(...)`).
 */
import { fromJs } from '../convert.js';
import type { NativeFnDef } from './native.js';
import { FunctionRegistry } from './registry.js';
import type { Value } from './value.js';

/** A compiled script function (hidden params: call depth and `this`). */
export type CompiledFn = (d: number, th: unknown, ...args: Value[]) => Value;

/** The compiled instance a function belongs to: lets a caller from another run re-bind it. */
export interface FnOwner {
  /** Attach a runtime (returns the previous one). */
  bind(rt: unknown): unknown;
  /** The runtime currently attached. */
  cur(): unknown;
}

/** A script-defined function as stored in function tables. */
export interface ScriptFn {
  readonly fn: CompiledFn;
  readonly name: string;
  readonly arity: number;
  readonly isPrivate: boolean;
  /** The instance owning the function (closures may outlive the run that created them). */
  readonly own?: FnOwner;
  /** Its generator, when it may suspend (see compiler/suspends.ts); `fn` runs it to its end. */
  readonly gen?: (d: number, th: unknown, ...args: Value[]) => Generator<unknown, Value, unknown>;
}

/** A static host module: `name::fn(...)`, `name::CONST`, nested `name::sub::fn(...)`. */
export interface HostModule {
  /** Functions callable with the module prefix. */
  functions?: readonly NativeFnDef[];
  /** Constants readable as `name::X` (JS values, converted). */
  constants?: Readonly<Record<string, unknown>>;
  /** Nested modules. */
  modules?: Readonly<Record<string, HostModule>>;
  /**
   * Its functions may return a `Suspension` (they wait for the host): scripts calling them
   * compile so that the run suspends there (see suspension.ts). Top-level modules only.
   */
  suspends?: boolean;
}

/** A loaded module. */
export class RModule {
  readonly name: string;
  /** Exported variables (read-only to importers). */
  readonly vars = new Map<string, Value>();
  /** Public script functions, keyed `name/arity`. */
  readonly fns = new Map<string, ScriptFn>();
  /** Native functions (host modules). */
  readonly natives = new FunctionRegistry();
  /** Sub-modules. */
  readonly subs = new Map<string, RModule>();
  constructor(name: string) {
    this.name = name;
  }
}

/** Build a module from a host description. */
export function moduleFromHost(name: string, host: HostModule): RModule {
  const m = new RModule(name);
  for (const def of host.functions ?? []) m.natives.register(def);
  for (const [k, v] of Object.entries(host.constants ?? {})) m.vars.set(k, fromJs(v));
  for (const [k, sub] of Object.entries(host.modules ?? {}))
    m.subs.set(k, moduleFromHost(`${name}::${k}`, sub));
  return m;
}
