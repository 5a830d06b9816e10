/**
 * The table of native functions, resolved by name, arity and argument types (Rhai's overloading).
 */
import type { NativeFnDef, NativeRegistry, ParamType } from './native.js';
import { FnPtr, RBlob, RChar, RCustom, RFloat, RRange, RTimestamp, typeOf, type Value } from './value.js';

/** The parameter-type tag of a value (`custom` for host objects, which only `any` accepts). */
export type ValueTag = ParamType | 'custom';

/** Classify a value for overload resolution. */
export function tagOf(v: Value): ValueTag {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'unit';
    case 'bigint':
      return 'int';
    default:
      break;
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof RFloat) return 'float';
  if (v instanceof RChar) return 'char';
  if (v instanceof FnPtr) return 'fnptr';
  if (v instanceof RRange) return 'range';
  if (v instanceof RBlob) return 'blob';
  if (v instanceof RTimestamp) return 'timestamp';
  if (v instanceof RCustom) return 'custom';
  return 'custom';
}

/** Rhai-style call signature for error messages: `foo (i64, string)`. */
export function signature(name: string, args: readonly Value[]): string {
  return `${name} (${args.map(typeOf).join(', ')})`;
}

/**
 * Natives whose built-in versions the code generator inlines for the built-in types (`a.len`,
 * `a.push(x)`, `for x in range(...)`). Registering one of these names over the standard library
 * turns the inlining off for that engine, so host overloads are always honoured.
 */
export const INLINED_NATIVES: ReadonlySet<string> = new Set(['len', 'get$len', 'push', 'range']);

/** A native function table (the engine's global namespace, or a host module's). */
export class FunctionRegistry implements NativeRegistry {
  private readonly byName = new Map<string, NativeFnDef[]>();
  /** Bumped on every registration so call-site caches can be invalidated. */
  generation = 0;
  /** The standard library is complete and none of INLINED_NATIVES was registered over it since. */
  private inlinable = false;
  private sealed = false;

  /** Mark the standard library complete: from now on the built-in `INLINED_NATIVES` may be inlined. */
  sealStandard(): void {
    this.sealed = true;
    this.inlinable = true;
  }

  /** Compiled code may inline the built-in versions of `INLINED_NATIVES`. */
  get standardInlinable(): boolean {
    return this.inlinable;
  }

  register(def: NativeFnDef): void {
    if (this.sealed && INLINED_NATIVES.has(def.name)) this.inlinable = false;
    let list = this.byName.get(def.name);
    if (list === undefined) {
      list = [];
      this.byName.set(def.name, list);
    }
    const same = list.findIndex(
      (d) => d.params.length === def.params.length && d.params.every((p, i) => p === def.params[i]),
    );
    // Later registrations win: replace in place, or put in front so they are tried first.
    if (same >= 0) list[same] = def;
    else list.unshift(def);
    // Specific signatures are tried before ones with `any` parameters.
    list.sort((a, b) => countAny(a.params) - countAny(b.params));
    this.generation++;
  }

  /** All overloads of a name. */
  overloads(name: string): readonly NativeFnDef[] | undefined {
    return this.byName.get(name);
  }

  /** True when some overload of `name` takes `arity` arguments. */
  hasArity(name: string, arity: number): boolean {
    const list = this.byName.get(name);
    return list?.some((d) => d.params.length === arity) === true;
  }

  /** Find the overload matching the argument types. */
  resolve(name: string, args: readonly Value[]): NativeFnDef | undefined {
    const list = this.byName.get(name);
    if (list === undefined) return undefined;
    const n = args.length;
    let tags: ValueTag[] | undefined;
    for (const d of list) {
      if (d.params.length !== n) continue;
      tags = tags ?? args.map(tagOf);
      let ok = true;
      for (let i = 0; i < n; i++) {
        const p = d.params[i];
        if (p !== 'any' && p !== tags[i]) {
          ok = false;
          break;
        }
      }
      if (ok) return d;
    }
    return undefined;
  }

  /** Every registered name. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

function countAny(params: readonly ParamType[]): number {
  let n = 0;
  for (const p of params) if (p === 'any') n++;
  return n;
}

/** A per-call-site cache of the last resolution (monomorphic inline cache). */
export interface CallSiteCache {
  gen: number;
  tags: ValueTag[] | null;
  def: NativeFnDef | null;
}

/** Resolve through a call-site cache. */
export function resolveCached(
  reg: FunctionRegistry,
  cache: CallSiteCache,
  name: string,
  args: readonly Value[],
): NativeFnDef | undefined {
  const n = args.length;
  if (cache.gen === reg.generation && cache.def !== null) {
    const tags = cache.tags;
    if (tags === null) {
      if (cache.def.params.length === n) return cache.def;
    } else if (tags.length === n) {
      let ok = true;
      for (let i = 0; i < n; i++) {
        if (tags[i] !== tagOf(args[i])) {
          ok = false;
          break;
        }
      }
      if (ok) return cache.def;
    }
  }
  const def = reg.resolve(name, args);
  if (def !== undefined) {
    cache.gen = reg.generation;
    cache.def = def;
    // All-`any` signatures need no type check on later calls.
    cache.tags = def.params.every((p) => p === 'any') ? null : args.map(tagOf);
  }
  return def;
}
