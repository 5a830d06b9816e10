/**
 * The per-run runtime: the object compiled code calls for everything beyond its inline fast paths
 * (operator slow paths, indexing, calls, function pointers, modules, eval, limits, errors).
 * One Runtime is created per evaluation; imported modules and eval chunks share it, so the
 * operation counter, call depth and limits apply to everything a run does.
 */
import type { CallSite } from '../compiler/codegen.js';
import { type Position, type PositionLike, RhaiError, toPositionObject } from '../errors.js';
import { Suspension } from '../suspension.js';
import { indexGet, indexSet } from './indexing.js';
import { type Cursor, DONE, iterate } from './iterate.js';
import { BYTES_PER_OPERATION, effectiveLimit, HARD_LIMITS, type Limits } from './limits.js';
import { type CompiledFn, type FnOwner, moduleFromHost, RModule, type ScriptFn } from './modules.js';
import type { NativeCallContext, NativeFnDef } from './native.js';
import * as ops from './ops.js';
import { NOT_BUILTIN, type OpResult } from './ops.js';
import { type FunctionRegistry, resolveCached, signature } from './registry.js';
import { DynFrame, dynLookup, HostScopeView, NOT_FOUND, type ScopeView, StaticView } from './scope-view.js';
import { swKey } from './switch-key.js';
import {
  cloneValue,
  debugString,
  displayString,
  FnPtr,
  makeFloat,
  RBlob,
  RChar,
  RCustom,
  RFloat,
  stringCharLength,
  typeOf,
  type Value,
} from './value.js';
import { displayWithin } from './value-text.js';

/**
 * UTF-16 units of a thrown value's text kept in the error's message: at least what the server shows
 * of a message (64 KiB of UTF-8), a bound on the work whatever the value holds.
 */
export const THROWN_TEXT_MAX = 65_536;

/** `this` is not bound (function called normally). */
export const UNBOUND: unique symbol = Symbol('unbound');
/** A hoisted variable not yet declared. */
export const NS: unique symbol = Symbol('not-set');
/** A `?.`/`?[` link met `()`: the rest of the chain is skipped (never a script value). */
export const SC: unique symbol = Symbol('short-circuit');

/** What a compiled unit's factory returns: the script's functions, reusable across runs. */
export interface Instance {
  main(d: number, view: ScopeView | null, ex: Exports | null, th: unknown): Value;
  readonly F: Map<string, ScriptFn>;
  readonly G: Map<string, Value>;
  /** Attach a runtime (returns the previous one). */
  bind(rt: Runtime | null): Runtime | null;
  /** Forget the previous run's global constants and imported modules. */
  reset(): void;
}

/** Exports collected from a module script. */
export interface Exports {
  readonly vars: Map<string, Value>;
  readonly subs: Map<string, RModule>;
}

/** The factory built from generated source. */
export type Factory = (
  K: readonly unknown[],
  P: readonly Position[],
  S: readonly CallSite[],
  FP: Map<string, ScriptFn> | null,
  GP: Map<string, Value> | null,
  H: typeof HELPERS,
) => Instance;

/** A compiled script ready to instantiate. */
export interface CompiledUnit {
  readonly factory: Factory;
  readonly consts: readonly unknown[];
  readonly positions: readonly Position[];
  readonly sites: readonly CallSite[];
  readonly sourceName?: string;
  /** `main` is a generator: the script may suspend at a service call (see suspension.ts). */
  readonly suspends: boolean;
  /** A cached instance (reused by sequential runs; nested runs get their own). */
  instance?: Instance;
  /** The cached instance is bound to a run in progress. */
  busy?: boolean;
  /** Instances of runs that ended while the cached one was busy (suspended runs interleave). */
  spares?: Instance[];
}

/** A call whose callee runs as a generator: the caller, itself a generator, delegates to it. */
export class Delegation {
  constructor(readonly gen: Generator<unknown, Value, unknown>) {}
}

/** Spare instances a unit keeps for interleaved runs. */
const MAX_SPARES = 64;

const MAX_SAFE_INT = Number.MAX_SAFE_INTEGER;

/*
 * Arithmetic on numbers beyond the inline int32 path: safe-range INTs, FLOATs (plain and boxed).
 * Plain module-level functions (stable objects, small bodies) so the JIT inlines them at each call
 * site; anything else goes to the runtime's general operators.
 */

/** Numeric addition (see above). */
function numAdd(rt: Runtime, a: Value, b: Value, p: PositionLike): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.floor(a) === a && Math.floor(b) === b) {
      const r = a + b;
      return r <= MAX_SAFE_INT && r >= -MAX_SAFE_INT ? r + 0 : rt.add(a, b, p);
    }
    const f = a + b;
    return Math.floor(f) !== f ? f : makeFloat(f);
  }
  if (a instanceof RFloat) {
    if (typeof b === 'number') return makeFloat(a.value + b);
    if (b instanceof RFloat) return makeFloat(a.value + b.value);
  } else if (b instanceof RFloat && typeof a === 'number') {
    return makeFloat(a + b.value);
  }
  return rt.add(a, b, p);
}

/** Numeric subtraction (see above). */
function numSub(rt: Runtime, a: Value, b: Value, p: PositionLike): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.floor(a) === a && Math.floor(b) === b) {
      const r = a - b;
      return r <= MAX_SAFE_INT && r >= -MAX_SAFE_INT ? r + 0 : rt.sub(a, b, p);
    }
    const f = a - b;
    return Math.floor(f) !== f ? f : makeFloat(f);
  }
  if (a instanceof RFloat) {
    if (typeof b === 'number') return makeFloat(a.value - b);
    if (b instanceof RFloat) return makeFloat(a.value - b.value);
  } else if (b instanceof RFloat && typeof a === 'number') {
    return makeFloat(a - b.value);
  }
  return rt.sub(a, b, p);
}

/** Numeric multiplication (see above). */
function numMul(rt: Runtime, a: Value, b: Value, p: PositionLike): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.floor(a) === a && Math.floor(b) === b) {
      const r = a * b;
      return r <= MAX_SAFE_INT && r >= -MAX_SAFE_INT ? r + 0 : rt.mul(a, b, p);
    }
    const f = a * b;
    return Math.floor(f) !== f ? f : makeFloat(f);
  }
  if (a instanceof RFloat) {
    if (typeof b === 'number') return makeFloat(a.value * b);
    if (b instanceof RFloat) return makeFloat(a.value * b.value);
  } else if (b instanceof RFloat && typeof a === 'number') {
    return makeFloat(a * b.value);
  }
  return rt.mul(a, b, p);
}

/** Numeric division (see above). */
function numDiv(rt: Runtime, a: Value, b: Value, p: PositionLike): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.floor(a) === a && Math.floor(b) === b) {
      return rt.div(a, b, p);
    }
    const f = a / b;
    return Math.floor(f) !== f ? f : makeFloat(f);
  }
  if (a instanceof RFloat) {
    if (typeof b === 'number') return makeFloat(a.value / b);
    if (b instanceof RFloat) return makeFloat(a.value / b.value);
  } else if (b instanceof RFloat && typeof a === 'number') {
    return makeFloat(a / b.value);
  }
  return rt.div(a, b, p);
}

/** `a += b` beyond the inline path: numbers, then string appends, then the runtime. */
function numAddAssign(rt: Runtime, a: Value, b: Value, p: PositionLike): Value {
  if (typeof a === 'string') {
    if (typeof b === 'string' && rt.limits.maxStringSize === 0) return a + b;
    return rt.addAssign(a, b, p);
  }
  if (typeof a === 'number' || a instanceof RFloat) return numAdd(rt, a, b, p);
  return rt.addAssign(a, b, p);
}

/** `a[i]` with the array fast path (negative indices and other types go to the runtime). */
function indexRead(rt: Runtime, a: Value, i: Value, p: PositionLike): Value {
  if (Array.isArray(a) && typeof i === 'number' && i >>> 0 === i && i < a.length) return a[i];
  return rt.index(a, i, p);
}

/** Values and functions generated code takes from the runtime module. */
const HELPERS = {
  UNBOUND,
  NS,
  SC,
  FnPtr,
  DONE,
  cloneValue,
  NADD: numAdd,
  NSUB: numSub,
  NMUL: numMul,
  NDIV: numDiv,
  NADDA: numAddAssign,
  IDX: indexRead,
  SUSP: Suspension,
  DLG: Delegation,
};

/**
 * Work on whole values that grows with their size (showing, copying, comparing an array of a
 * million elements), done so that it counts against the run's operations and reaches the deadline
 * check as it goes. The engine passes the standard library's; {@link PLAIN_VALUE_WORK} without it.
 */
export interface ValueWork {
  /** What `print` and interpolation show. */
  display(ctx: NativeCallContext, v: Value): string;
  /** What `debug` shows. */
  debug(ctx: NativeCallContext, v: Value): string;
  /** A copy with Rhai's value semantics. */
  copy(ctx: NativeCallContext, v: Value): Value;
  /** Rhai `==` of two containers or function pointers. */
  equal(ctx: NativeCallContext, a: Value, b: Value): boolean;
}

/** The same answers, uncharged: for an engine without the standard library. */
export const PLAIN_VALUE_WORK: ValueWork = {
  display: (_, v) => displayString(v),
  debug: (_, v) => debugString(v),
  copy: (_, v) => cloneValue(v),
  equal: (_, a, b) => ops.eq(a, b),
};

/** What the engine provides to a run. */
export interface RuntimeHost {
  readonly registry: FunctionRegistry;
  readonly values: ValueWork;
  readonly limits: Readonly<Limits>;
  readonly modules: ReadonlyMap<string, RModule>;
  readonly disableEval: boolean;
  readonly onPrint?: (s: string) => void;
  readonly onDebug?: (s: string, pos: Position) => void;
  /** Compile code passed to `eval`. */
  compileEval(source: string): CompiledUnit;
  /** Resolve `import` paths (null when not found). */
  resolveModule(path: string): CompiledUnit | RModule | null;
}

/** Per-run options. */
export interface RunOptions {
  readonly onProgress?: (operations: number) => boolean | undefined;
  readonly deadline?: number;
  /** Host variables visible at the top level (and receiving top-level definitions). */
  readonly view?: ScopeView | null;
  /** Waits in place for the answer to a host function's request where the run cannot suspend. */
  readonly block?: (request: unknown) => unknown;
}

/** Elements the nested size check walks between two charges. */
const NESTED_CHARGE = 1 << 16;

/** Elements `in` compares (or map properties `+` copies) between two charges. */
const CONTAINS_CHUNK = 1 << 12;

/** True when `==` of the two must walk nested values (containers, curried function pointers). */
function isNestedPair(a: Value, b: Value): boolean {
  return (
    (Array.isArray(a) && Array.isArray(b)) ||
    (a instanceof Map && b instanceof Map) ||
    (a instanceof FnPtr && b instanceof FnPtr && a.curried.length > 0)
  );
}

/** Operations between clock/progress checks. */
const CHECK_INTERVAL = 4096;

const NON_CATCHABLE = new Set([
  'ErrorTooManyOperations',
  'ErrorTooManyVariables',
  'ErrorTooManyModules',
  'ErrorStackOverflow',
  'ErrorDataTooLarge',
  'ErrorTerminated',
  'ErrorParsing',
]);

/** True for errors a script `try/catch` may catch (judged by the wrapped error, if any). */
export function isCatchable(e: RhaiError): boolean {
  return !NON_CATCHABLE.has(e.rootCause.kind);
}

/**
 * Errors that leave a script function as they are (Rhai's system exceptions); any other error is
 * wrapped in ErrorInFunctionCall naming the function.
 */
const PASSES_THROUGH_CALLS = new Set([
  // Rhai finds a data race when it lends the shared variable, outside the function.
  'ErrorDataRace',
  'ErrorTooManyOperations',
  'ErrorTooManyVariables',
  'ErrorStackOverflow',
  'ErrorDataTooLarge',
  'ErrorTerminated',
  'ErrorParsing',
]);

/**
 * An error leaving the script function `name` (or `eval`), as Rhai reports it. JS errors (a stack
 * overflow, a host bug) pass unchanged: they are converted where the stack has room again.
 */
export function inFunctionCall(e: unknown, name: string, wrapAll = false): unknown {
  if (!(e instanceof RhaiError)) return e;
  const inner = e;
  if (!wrapAll && PASSES_THROUGH_CALLS.has(inner.kind)) return inner;
  const err = new RhaiError(
    'ErrorInFunctionCall',
    `Error in call to function '${name}': ${inner.message}`,
    inner.position,
  );
  err.inner = inner;
  err.details = { function: name };
  if (inner.sourceName !== undefined) err.sourceName = inner.sourceName;
  return err;
}

/** Convert anything thrown during a run into a RhaiError (nothing else may escape). */
export function toRhaiError(e: unknown): RhaiError {
  if (e instanceof RhaiError) return e;
  if (e instanceof RangeError) {
    if (/call stack/i.test(e.message)) return new RhaiError('ErrorStackOverflow', 'Stack overflow');
    if (/invalid (string|array|typed array) length|allocation/i.test(e.message)) {
      return new RhaiError('ErrorDataTooLarge', 'Data too large');
    }
  }
  if (e instanceof Error)
    return new RhaiError('ErrorRuntime', `Internal error: ${e.message}`, null, e.message);
  return new RhaiError('ErrorRuntime', 'Internal error', null, String(e));
}

const FLOAT_PAIR: [number, number] = [0, 0];

/**
 * When at least one operand is a boxed FLOAT and the other a number (not a bigint), the two float
 * values (in a shared scratch pair); otherwise undefined. Keeps float arithmetic off the generic path.
 */
function floatPair(a: Value, b: Value): [number, number] | undefined {
  if (a instanceof RFloat) {
    if (typeof b === 'number') {
      FLOAT_PAIR[0] = a.value;
      FLOAT_PAIR[1] = b;
      return FLOAT_PAIR;
    }
    if (b instanceof RFloat) {
      FLOAT_PAIR[0] = a.value;
      FLOAT_PAIR[1] = b.value;
      return FLOAT_PAIR;
    }
    return undefined;
  }
  if (b instanceof RFloat && typeof a === 'number') {
    FLOAT_PAIR[0] = a;
    FLOAT_PAIR[1] = b.value;
    return FLOAT_PAIR;
  }
  if (typeof a === 'number' && typeof b === 'number' && (!Number.isInteger(a) || !Number.isInteger(b))) {
    FLOAT_PAIR[0] = a;
    FLOAT_PAIR[1] = b;
    return FLOAT_PAIR;
  }
  return undefined;
}

function withPos(e: unknown, pos: PositionLike | null | undefined): RhaiError {
  return toRhaiError(e).at(pos);
}

function notFound(sig: string, pos: PositionLike | null): RhaiError {
  const e = new RhaiError('ErrorFunctionNotFound', `Function not found: ${sig}`, pos);
  e.details = { function: sig };
  return e;
}

/** Native call context (one per run; saved/restored around callbacks). */
class NativeCtx implements NativeCallContext {
  /** The call site, unpacked only when a native asks for it. */
  at: PositionLike = 0;
  get position(): Position {
    return toPositionObject(this.at) ?? { line: 0, column: 0 };
  }
  F: Map<string, ScriptFn> = new Map();
  depth = 0;
  thisSet = false;
  newThis: Value = undefined;
  readonly limits: Readonly<Limits>;
  private readonly rt: Runtime;
  constructor(rt: Runtime, limits: Readonly<Limits>) {
    this.rt = rt;
    this.limits = limits;
  }
  callFnPtr(fn: FnPtr, args: Value[]): Value {
    const { at, F, depth, thisSet, newThis } = this;
    try {
      return this.rt.callPtrLenient(F, fn, args, depth, at);
    } finally {
      this.at = at;
      this.F = F;
      this.depth = depth;
      this.thisSet = thisSet;
      this.newThis = newThis;
    }
  }
  fnPtrAcceptsArgs(fn: FnPtr, n: number): boolean {
    return fn instanceof FnPtr && this.rt.hasTarget(this.F, fn, fn.curried.length + n);
  }
  callFnPtrWithThis(fn: FnPtr, thisRef: { value: Value }, args: Value[]): Value {
    const { at, F, depth, thisSet, newThis } = this;
    const rt = this.rt;
    const savedDirty = rt.dirty;
    const savedNew = rt.newThis;
    try {
      rt.dirty = false;
      const r = rt.callPtr(F, fn, args, depth, thisRef.value, at);
      if (rt.dirty) thisRef.value = rt.takeThis();
      return r;
    } finally {
      rt.dirty = savedDirty;
      rt.newThis = savedNew;
      this.at = at;
      this.F = F;
      this.depth = depth;
      this.thisSet = thisSet;
      this.newThis = newThis;
    }
  }
  setThis(v: Value): void {
    this.thisSet = true;
    this.newThis = v;
  }
  addOperations(n: number): void {
    const rt = this.rt;
    rt.ops += n;
    if (rt.ops > rt.lim) rt.tick(this.at);
  }
}

/** The runtime of one evaluation. */
export class Runtime {
  /** Operations counted so far. */
  ops = 0;
  /** Next operation count at which `tick` must run. */
  lim = Number.POSITIVE_INFINITY;
  /** Set when a called function replaced its `this` (method receivers are written back). */
  dirty = false;
  newThis: Value = undefined;
  /** Scope view for the next call made with `name!(...)`. */
  pendingDS: ScopeView | null = null;
  /**
   * Compiled code may use its inline versions of the built-in `len`, `push` and `range` (false
   * when the host registered its own; script functions of those names are known at compile time).
   */
  readonly std: boolean;

  readonly host: RuntimeHost;
  readonly limits: Readonly<Limits>;
  private readonly reg: FunctionRegistry;
  private readonly ctx: NativeCtx;
  private readonly onProgress?: (operations: number) => boolean | undefined;
  private readonly deadline?: number;
  /** The host scope (top level only). */
  readonly hostView: ScopeView | null;
  private readonly block?: (request: unknown) => unknown;
  private readonly modCache = new Map<string, RModule>();
  private moduleCount = 0;
  private readonly maxOps: number;
  private readonly maxLevels: number;
  /** Array or map size limits are set (nested data must be measured). */
  private readonly nestedLimits: boolean;

  constructor(host: RuntimeHost, options: RunOptions = {}) {
    this.host = host;
    this.limits = host.limits;
    this.reg = host.registry;
    this.ctx = new NativeCtx(this, host.limits);
    this.onProgress = options.onProgress;
    this.deadline = options.deadline;
    this.hostView = options.view ?? null;
    this.block = options.block;
    this.maxOps = host.limits.maxOperations;
    this.maxLevels = host.limits.maxCallLevels;
    this.nestedLimits = host.limits.maxArraySize > 0 || host.limits.maxMapSize > 0;
    this.std = host.registry.standardInlinable;
    this.lim = this.nextLimit();
    if (this.deadline !== undefined && Date.now() > this.deadline) {
      throw new RhaiError('ErrorTerminated', 'Script terminated');
    }
  }

  /** Instantiate (or reuse) and run a compiled unit; call `release()` when the run is over. */
  run(
    unit: CompiledUnit,
    ex: Exports | null = null,
    th: unknown = UNBOUND,
  ): { value: Value; instance: Instance } {
    const instance = this.acquire(unit);
    const value = instance.main(0, this.hostView, ex, th);
    return { value, instance };
  }

  /** Instances bound to this run, with the runtime each was bound to before. */
  private readonly bound: {
    unit: CompiledUnit | null;
    instance: Instance;
    prev: Runtime | null;
    /** The unit whose spares the instance joins when the run ends (not its cached one). */
    spareOf?: CompiledUnit | null;
  }[] = [];

  /**
   * The unit's instance, bound to this run and reset: the cached one, else a spare left by an
   * earlier run, else a fresh one (another run — nested, or suspended — is using the cached one).
   */
  acquire(unit: CompiledUnit): Instance {
    let instance = unit.instance;
    let owner: CompiledUnit | null = unit;
    let spareOf: CompiledUnit | null = null;
    if (instance === undefined || unit.busy) {
      instance = unit.busy ? unit.spares?.pop() : undefined;
      instance ??= unit.factory(unit.consts, unit.positions, unit.sites, null, null, HELPERS);
      if (unit.instance === undefined) unit.instance = instance;
      else {
        owner = null;
        spareOf = unit;
      }
    }
    if (owner !== null) owner.busy = true;
    const prev = instance.bind(this);
    instance.reset();
    this.bound.push({ unit: owner, instance, prev, spareOf });
    return instance;
  }

  /** An instance for `eval` code sharing the caller's function table and globals. */
  private instantiateEval(unit: CompiledUnit, FP: Map<string, ScriptFn>, GP: Map<string, Value>): Instance {
    const instance = unit.factory(unit.consts, unit.positions, unit.sites, FP, GP, HELPERS);
    instance.bind(this);
    return instance;
  }

  /** Unbind every instance this run used. */
  release(): void {
    for (let i = this.bound.length - 1; i >= 0; i--) {
      const b = this.bound[i];
      b.instance.bind(b.prev);
      if (b.unit !== null) b.unit.busy = false;
      else if (b.spareOf != null && b.prev === null) {
        // Reset now, so a spare holds nothing of the run that used it.
        b.instance.reset();
        if (b.spareOf.spares === undefined) b.spareOf.spares = [];
        if (b.spareOf.spares.length < MAX_SPARES) b.spareOf.spares.push(b.instance);
      }
    }
    this.bound.length = 0;
  }

  // ---- suspension -----------------------------------------------------------------------------

  /**
   * Runs generator code (a script function or `main` compiled to suspend) to its end where the
   * caller cannot suspend: each request it yields is answered in place by the host's `block`.
   */
  drive(gen: Generator<unknown, Value, unknown>): Value {
    let step = gen.next();
    while (!step.done) {
      let answer: unknown;
      try {
        answer = this.answer(step.value);
      } catch (e) {
        step = gen.throw(e);
        continue;
      }
      step = gen.next(answer);
    }
    return step.value;
  }

  /** A host function's result where the run cannot suspend: a `Suspension` is waited on in place. */
  settle(r: Value | Suspension): Value {
    return r instanceof Suspension ? r.resume(this.answer(r.request)) : r;
  }

  /** The host's answer to `request`, waited for in place. */
  private answer(request: unknown): unknown {
    if (this.block === undefined) {
      throw new RhaiError('ErrorRuntime', 'This function cannot wait for an answer here', this.ctx.at);
    }
    return this.block(request);
  }

  /** `+ - * /` by index (0-3), for the float helpers' fallback. */
  arith(op: 0 | 1 | 2 | 3, a: Value, b: Value, pos: PositionLike): Value {
    switch (op) {
      case 1:
        return this.sub(a, b, pos);
      case 2:
        return this.mul(a, b, pos);
      case 3:
        return this.div(a, b, pos);
      default:
        return this.add(a, b, pos);
    }
  }

  // ---- limits ---------------------------------------------------------------------------------

  private nextLimit(): number {
    let next = this.maxOps > 0 ? this.maxOps : Number.POSITIVE_INFINITY;
    if (this.onProgress !== undefined || this.deadline !== undefined)
      next = Math.min(next, this.ops + CHECK_INTERVAL);
    return next;
  }

  /** Called when the operation counter passes `lim`: enforce limits, poll progress and deadline. */
  tick(pos: PositionLike): void {
    if (this.maxOps > 0 && this.ops > this.maxOps) {
      throw new RhaiError('ErrorTooManyOperations', 'Too many operations', pos);
    }
    if (this.onProgress !== undefined && this.onProgress(this.ops) === true) {
      throw new RhaiError('ErrorTerminated', 'Script terminated', pos);
    }
    if (this.deadline !== undefined && Date.now() > this.deadline) {
      throw new RhaiError('ErrorTerminated', 'Script terminated', pos);
    }
    this.lim = this.nextLimit();
  }

  /** Charge `n` characters, bytes or elements of bulk work done at `pos` (see BYTES_PER_OPERATION). */
  charge(n: number, pos: PositionLike): void {
    this.ops += Math.floor(n / BYTES_PER_OPERATION);
    if (this.ops > this.lim) this.tick(pos);
  }

  /** The native call context, positioned at `pos`, for value work done on the run's behalf. */
  private work(pos: PositionLike | undefined): NativeCtx {
    if (pos !== undefined) this.ctx.at = pos;
    return this.ctx;
  }

  /** Add a function-local operation count to the run's counter (the caller resets its count). */
  flush(n: number, pos: PositionLike): void {
    this.ops += n;
    if (this.ops > this.lim) this.tick(pos);
  }

  overflow(pos: PositionLike): never {
    throw new RhaiError('ErrorStackOverflow', 'Stack overflow', pos);
  }

  tooManyVariables(pos: PositionLike): never {
    throw new RhaiError('ErrorTooManyVariables', 'Too many variables defined', pos);
  }

  checkString(s: string, pos: PositionLike | null): string {
    const max = this.limits.maxStringSize;
    if (max > 0 && s.length > max && stringCharLength(s) > max)
      throw RhaiError.tooLarge('Length of string', pos);
    return s;
  }

  /**
   * Refuses an array over the size limit (or the hard ceiling). `scanNested` also applies the nested
   * limits when the array may hold containers; callers that appended a known value skip the O(n)
   * scan and check what they added instead.
   */
  checkArray(a: Value[], pos: PositionLike | null, scanNested = true): Value[] {
    if (a.length > effectiveLimit(this.limits.maxArraySize, HARD_LIMITS.arraySize)) {
      throw RhaiError.tooLarge('Size of array', pos);
    }
    if (scanNested && this.nestedLimits) {
      for (let i = 0; i < a.length; i++) {
        if (typeof a[i] === 'object') {
          this.checkNested(a, pos);
          break;
        }
      }
    }
    return a;
  }

  /**
   * Size limits count nested data (as Rhai does): the elements of all nested arrays/blobs, the
   * properties of all nested maps, and the characters of all contained strings. The walk stops as
   * soon as a limit is exceeded, so it costs at most the limit.
   */
  checkNested(root: Value, pos: PositionLike | null): void {
    const { maxArraySize, maxMapSize, maxStringSize } = this.limits;
    if (maxArraySize === 0 && maxMapSize === 0) return;
    let arrays = 0;
    let maps = 0;
    let strings = 0;
    const stack: Value[] = [root];
    // The walk is real work (a map of arrays is walked whole at each assignment): it is charged.
    let walked = 0;
    while (stack.length > 0) {
      if (walked >= NESTED_CHARGE) {
        this.charge(walked, pos ?? this.ctx.at);
        walked = 0;
      }
      const v = stack.pop();
      if (typeof v === 'string') {
        strings += v.length;
        if (maxStringSize > 0 && strings > maxStringSize) throw RhaiError.tooLarge('Length of string', pos);
      } else if (Array.isArray(v)) {
        arrays += v.length;
        walked += v.length;
        if (maxArraySize > 0 && arrays > maxArraySize) throw RhaiError.tooLarge('Size of array', pos);
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (typeof x === 'object' || typeof x === 'string') stack.push(x);
        }
      } else if (v instanceof Map) {
        maps += v.size;
        walked += v.size;
        if (maxMapSize > 0 && maps > maxMapSize) throw RhaiError.tooLarge('Size of object map', pos);
        for (const x of v.values()) if (typeof x === 'object' || typeof x === 'string') stack.push(x);
      } else if (v instanceof RBlob) {
        arrays += v.length;
        if (maxArraySize > 0 && arrays > maxArraySize) throw RhaiError.tooLarge('Size of array', pos);
      }
    }
    if (walked >= BYTES_PER_OPERATION) this.charge(walked, pos ?? this.ctx.at);
  }

  private checkMap(m: Map<string, Value>, pos: PositionLike | null): Map<string, Value> {
    if (m.size > effectiveLimit(this.limits.maxMapSize, HARD_LIMITS.mapSize)) {
      throw RhaiError.tooLarge('Size of object map', pos);
    }
    return m;
  }

  private checkBlob(b: RBlob, pos: PositionLike | null): RBlob {
    if (b.length > effectiveLimit(this.limits.maxArraySize, HARD_LIMITS.blobSize))
      throw RhaiError.tooLarge('Size of BLOB', pos);
    return b;
  }

  /** Check a value produced by an operator against the size limits. */
  private checkSize(v: Value, pos: PositionLike | null): Value {
    if (typeof v === 'string') return this.limits.maxStringSize > 0 ? this.checkString(v, pos) : v;
    if (Array.isArray(v)) return this.checkArray(v, pos);
    if (v instanceof Map) return this.checkMap(v, pos);
    if (v instanceof RBlob) return this.checkBlob(v, pos);
    return v;
  }

  // ---- values ---------------------------------------------------------------------------------

  /** A copy of a value a variable may alias (`let b = a`), charged by its size. */
  clone(v: Value): Value {
    return typeof v === 'object' ? this.host.values.copy(this.ctx, v) : v;
  }

  mkMap(keys: readonly string[], vals: Value[], pos: PositionLike): Map<string, Value> {
    const m = new Map<string, Value>();
    let nested = false;
    for (let i = 0; i < keys.length; i++) {
      const v = vals[i];
      if (typeof v === 'object') nested = true;
      m.set(keys[i], v);
    }
    if (this.limits.maxMapSize > 0) this.checkMap(m, pos);
    if (nested) this.checkNested(m, pos);
    return m;
  }

  /** String interpolation: display form; blobs are read as UTF-8 text. */
  interp(v: Value, pos?: PositionLike): string {
    if (typeof v === 'string') return v;
    if (typeof v !== 'object') return displayString(v);
    if (v instanceof RBlob) {
      this.charge(v.length, pos ?? this.ctx.at);
      return this.checkString(new TextDecoder().decode(v.view()), pos ?? null);
    }
    return this.host.values.display(this.work(pos), v);
  }

  typeOf(v: Value): string {
    return typeOf(v);
  }

  switchKey(v: Value): number | string | boolean | undefined {
    return swKey(v);
  }

  sfn(fn: CompiledFn, name: string, arity: number, isPrivate: boolean): ScriptFn {
    return { fn, name, arity, isPrivate };
  }

  closure(name: string, arity: number, fn: CompiledFn, own: FnOwner): FnPtr {
    return new FnPtr(name, [], { fn, name, arity, isPrivate: false, own } satisfies ScriptFn);
  }

  /** Call a script function, attaching this run to its instance if it belongs to another run. */
  private callScript(sf: ScriptFn, d: number, th: unknown, args: Value[]): Value {
    const own = sf.own;
    if (own === undefined || own.cur() === this) return sf.fn(d, th, ...args);
    const prev = own.bind(this);
    try {
      return sf.fn(d, th, ...args);
    } finally {
      own.bind(prev);
    }
  }

  notBool(v: Value, pos: PositionLike): never {
    throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(v)} (expecting bool)`, pos);
  }

  unbound(pos: PositionLike): never {
    throw new RhaiError('ErrorUnboundThis', "'this' not bound", pos);
  }

  /** A closure used a variable while it was lent to a call (`a.retain(|x| a.len() > 0)`). */
  dataRace(name: string, pos: PositionLike): never {
    throw new RhaiError('ErrorDataRace', `Data race detected when accessing variable: ${name}`, pos);
  }

  /** Assigning into a constant (`C[0] = 1`). */
  constantError(name: string, pos: PositionLike): RhaiError {
    return new RhaiError('ErrorAssignmentToConstant', `Cannot modify constant ${name}`, pos);
  }

  /** The new `this` set by the last call (clears the flag). */
  takeThis(): Value {
    this.dirty = false;
    return this.newThis;
  }

  constThis(site: CallSite): never {
    this.dirty = false;
    throw new RhaiError(
      'ErrorNonPureMethodCallOnConstant',
      `Non-pure method '${site.name}' cannot be called on constant`,
      site.pos,
    );
  }

  // ---- operators ------------------------------------------------------------------------------

  private binop(
    op: string,
    f: (a: Value, b: Value) => OpResult,
    a: Value,
    b: Value,
    pos: PositionLike,
  ): Value {
    let r: OpResult;
    try {
      r = f(a, b);
    } catch (e) {
      throw withPos(e, pos);
    }
    if (r !== NOT_BUILTIN) return r;
    return this.operatorFallback(op, [a, b], pos);
  }

  private operatorFallback(op: string, args: Value[], pos: PositionLike): Value {
    const def = this.reg.resolve(op, args);
    if (def !== undefined) return this.invoke(def, args, pos, new Map(), 0);
    throw notFound(signature(op, args), pos);
  }

  add(a: Value, b: Value, pos: PositionLike): Value {
    const f = floatPair(a, b);
    if (f !== undefined) return makeFloat(f[0] + f[1]);
    if (typeof a === 'object' || typeof b === 'object') {
      const joined = this.join(a, b, pos);
      if (joined !== NOT_BUILTIN) return this.checkSize(joined, pos);
    }
    const r = this.binop('+', ops.add, a, b, pos);
    return typeof r === 'object' || (typeof r === 'string' && this.limits.maxStringSize > 0)
      ? this.checkSize(r, pos)
      : r;
  }
  /**
   * `+` of containers, or of a string and a container: the same results as `ops.add`, with the
   * copying and showing charged as it goes. NOT_BUILTIN for the other pairs.
   */
  private join(a: Value, b: Value, pos: PositionLike): OpResult {
    if (typeof a === 'string') {
      return typeof b === 'object' && !(b instanceof RFloat) && !(b instanceof RChar)
        ? a + this.interpText(b, pos)
        : NOT_BUILTIN;
    }
    if (typeof b === 'string') {
      return !(a instanceof RFloat) && !(a instanceof RChar) ? this.interpText(a, pos) + b : NOT_BUILTIN;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length + b.length > effectiveLimit(this.limits.maxArraySize, HARD_LIMITS.arraySize)) {
        throw RhaiError.tooLarge('Size of array', pos);
      }
      this.charge(a.length + b.length, pos);
      const out = a.concat(b);
      const ctx = this.work(pos);
      for (let i = 0; i < out.length; i++) {
        const e = out[i];
        if (typeof e === 'object') out[i] = this.host.values.copy(ctx, e);
      }
      return out;
    }
    if (a instanceof Map && b instanceof Map) {
      const ctx = this.work(pos);
      const out = this.host.values.copy(ctx, a) as Map<string, Value>;
      // One operation per property (a hash insertion each), as the library's map copies count.
      let n = 0;
      for (const [k, v] of b) {
        out.set(k, typeof v === 'object' ? this.host.values.copy(ctx, v) : v);
        if (++n === CONTAINS_CHUNK) {
          this.charge(n * BYTES_PER_OPERATION, pos);
          n = 0;
        }
      }
      this.charge(n * BYTES_PER_OPERATION, pos);
      return out;
    }
    if (a instanceof RBlob && b instanceof RBlob) this.charge(a.length + b.length, pos);
    return NOT_BUILTIN;
  }

  /** What `ops.add` appends for a non-string operand of a string `+`: its display form. */
  private interpText(v: Value, pos: PositionLike): string {
    return Array.isArray(v) || v instanceof Map || v instanceof RBlob
      ? this.host.values.display(this.work(pos), v)
      : displayString(v);
  }

  sub(a: Value, b: Value, pos: PositionLike): Value {
    const f = floatPair(a, b);
    if (f !== undefined) return makeFloat(f[0] - f[1]);
    return this.binop('-', ops.sub, a, b, pos);
  }
  mul(a: Value, b: Value, pos: PositionLike): Value {
    const f = floatPair(a, b);
    if (f !== undefined) return makeFloat(f[0] * f[1]);
    return this.binop('*', ops.mul, a, b, pos);
  }
  div(a: Value, b: Value, pos: PositionLike): Value {
    const f = floatPair(a, b);
    if (f !== undefined) return makeFloat(f[0] / f[1]);
    return this.binop('/', ops.div, a, b, pos);
  }
  mod(a: Value, b: Value, pos: PositionLike): Value {
    const f = floatPair(a, b);
    if (f !== undefined) return makeFloat(f[0] % f[1]);
    return this.binop('%', ops.mod, a, b, pos);
  }
  pow(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('**', ops.pow, a, b, pos);
  }
  shl(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('<<', ops.shl, a, b, pos);
  }
  shr(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('>>', ops.shr, a, b, pos);
  }
  band(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('&', ops.bitAnd, a, b, pos);
  }
  bor(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('|', ops.bitOr, a, b, pos);
  }
  bxor(a: Value, b: Value, pos: PositionLike): Value {
    return this.binop('^', ops.bitXor, a, b, pos);
  }

  neg(a: Value, pos: PositionLike): Value {
    let r: OpResult;
    try {
      r = ops.neg(a);
    } catch (e) {
      throw withPos(e, pos);
    }
    return r !== NOT_BUILTIN ? r : this.operatorFallback('-', [a], pos);
  }

  plus(a: Value, pos: PositionLike): Value {
    if (typeof a === 'number' || typeof a === 'bigint' || a instanceof RFloat) return a;
    return this.operatorFallback('+', [a], pos);
  }

  not(a: Value, pos: PositionLike): Value {
    if (typeof a === 'boolean') return !a;
    return this.operatorFallback('!', [a], pos);
  }

  private isCustom(a: Value, b: Value): boolean {
    return a instanceof RCustom || b instanceof RCustom;
  }

  private customCompare(op: string, a: Value, b: Value, pos: PositionLike, dflt: boolean): boolean {
    const def = this.reg.resolve(op, [a, b]);
    if (def === undefined) return dflt;
    return this.invoke(def, [a, b], pos, new Map(), 0) === true;
  }

  eq(a: Value, b: Value, pos: PositionLike): boolean {
    if (a === b && !(a instanceof RCustom)) return true;
    if (this.isCustom(a, b)) return this.customCompare('==', a, b, pos, false);
    if (isNestedPair(a, b)) return this.host.values.equal(this.work(pos), a, b);
    return ops.eq(a, b);
  }

  ne(a: Value, b: Value, pos: PositionLike): boolean {
    if (this.isCustom(a, b)) return this.customCompare('!=', a, b, pos, true);
    return !this.eq(a, b, pos);
  }

  private cmp(op: string, a: Value, b: Value, pos: PositionLike, test: (c: number) => boolean): boolean {
    const c = ops.compare(a, b);
    if (c !== undefined) return test(c);
    return this.customCompare(op, a, b, pos, false);
  }

  lt(a: Value, b: Value, pos: PositionLike): boolean {
    return this.cmp('<', a, b, pos, (c) => c < 0);
  }
  le(a: Value, b: Value, pos: PositionLike): boolean {
    return this.cmp('<=', a, b, pos, (c) => c <= 0);
  }
  gt(a: Value, b: Value, pos: PositionLike): boolean {
    return this.cmp('>', a, b, pos, (c) => c > 0);
  }
  ge(a: Value, b: Value, pos: PositionLike): boolean {
    return this.cmp('>=', a, b, pos, (c) => c >= 0);
  }

  /** `item in container` (the `contains` function for other types). */
  contains(container: Value, item: Value, pos: PositionLike): boolean {
    if (Array.isArray(container)) {
      // Charged per element compared, in chunks, so a scan of a huge array reaches the deadline check.
      for (let from = 0; from < container.length; from += CONTAINS_CHUNK) {
        const to = Math.min(container.length, from + CONTAINS_CHUNK);
        this.charge(to - from, pos);
        for (let i = from; i < to; i++) {
          const x = container[i];
          if (isNestedPair(x, item) ? this.host.values.equal(this.work(pos), x, item) : ops.eq(x, item))
            return true;
        }
      }
      return false;
    }
    if (container instanceof RBlob || typeof container === 'string') this.charge(container.length, pos);
    const r = ops.contains(container, item);
    if (r !== NOT_BUILTIN) return r as boolean;
    const def = this.reg.resolve('contains', [container, item]);
    if (def !== undefined) return this.invoke(def, [container, item], pos, new Map(), 0) === true;
    throw notFound(signature('contains', [container, item]), pos);
  }

  range(a: Value, b: Value, inclusive: boolean, pos: PositionLike): Value {
    const r = ops.range(a, b, inclusive);
    if (r !== NOT_BUILTIN) return r;
    return this.operatorFallback(inclusive ? '..=' : '..', [a, b], pos);
  }

  /** `a += b`: containers grow in place; everything else is `a + b`. */
  addAssign(a: Value, b: Value, pos: PositionLike): Value {
    if (typeof a !== 'object') return this.add(a, b, pos);
    if (a instanceof RFloat) {
      if (typeof b === 'number') return makeFloat(a.value + b);
      if (b instanceof RFloat) return makeFloat(a.value + b.value);
      return this.add(a, b, pos);
    }
    if (Array.isArray(a)) {
      // Refuse before growing: V8 aborts the process on an array it cannot size.
      const growth = Array.isArray(b) ? b.length : 1;
      if (a.length + growth > effectiveLimit(this.limits.maxArraySize, HARD_LIMITS.arraySize)) {
        throw RhaiError.tooLarge('Size of array', pos);
      }
      if (Array.isArray(b)) {
        // `a += a` appends a snapshot: iterate over the original length only.
        for (let i = 0; i < growth; i++) {
          const x = b[i];
          a.push(typeof x === 'object' ? cloneValue(x) : x);
        }
      } else {
        a.push(typeof b === 'object' ? cloneValue(b) : b);
      }
      // Only what was appended can add nested data: no scan of the whole array for a scalar.
      if (typeof b === 'object' && this.nestedLimits) this.checkNested(a, pos);
      return a;
    }
    if (a instanceof Map && b instanceof Map) {
      if (a !== b) for (const [k, x] of b) a.set(k, typeof x === 'object' ? cloneValue(x) : x);
      this.checkMap(a, pos);
      this.checkNested(a, pos);
      return a;
    }
    if (a instanceof RBlob) {
      if (b instanceof RBlob) a.append(b.view());
      else if (typeof b === 'number' && Number.isInteger(b)) a.push(b);
      else if (typeof b === 'string') a.append(new TextEncoder().encode(b));
      else if (b instanceof RChar) a.append(new TextEncoder().encode(b.str));
      else return this.operatorFallback('+=', [a, b], pos);
      return this.checkBlob(a, pos);
    }
    if (a instanceof RCustom) {
      const def = this.reg.resolve('+=', [a, b]);
      if (def !== undefined) {
        const ctx = this.ctx;
        const r = this.invoke(def, [a, b], pos, new Map(), 0);
        void r;
        return ctx.thisSet ? ctx.newThis : a;
      }
    }
    return this.add(a, b, pos);
  }

  iterate(v: Value, snapshot: boolean, pos: PositionLike): Cursor {
    try {
      return iterate(v, snapshot);
    } catch (e) {
      throw withPos(e, pos);
    }
  }

  // ---- indexing & properties ------------------------------------------------------------------

  index(c: Value, idx: Value, pos: PositionLike): Value {
    let r: OpResult;
    try {
      r = indexGet(c, idx);
    } catch (e) {
      throw withPos(e, pos);
    }
    if (r !== NOT_BUILTIN) return r;
    const def = this.reg.resolve('index$get$', [c, idx]);
    if (def !== undefined) return this.invoke(def, [c, idx], pos, new Map(), 0);
    throw new RhaiError('ErrorIndexingType', `Indexer unavailable: ${typeOf(c)} [${typeOf(idx)}]`, pos);
  }

  setIndex(c: Value, idx: Value, v: Value, pos: PositionLike): Value {
    let r: OpResult;
    try {
      r = indexSet(c, idx, v, this.limits.maxMapSize);
    } catch (e) {
      throw withPos(e, pos);
    }
    if (r !== NOT_BUILTIN) {
      if (typeof v === 'object') this.checkNested(r, pos);
      return r;
    }
    const def = this.reg.resolve('index$set$', [c, idx, v]);
    if (def !== undefined) {
      this.invoke(def, [c, idx, v], pos, new Map(), 0);
      return this.ctx.thisSet ? this.ctx.newThis : c;
    }
    throw new RhaiError('ErrorIndexingType', `Indexer unavailable: ${typeOf(c)} [${typeOf(idx)}]`, pos);
  }

  getProp(o: Value, name: string, pos: PositionLike): Value {
    if (o instanceof Map) return o.get(name);
    if (o instanceof FnPtr) {
      if (name === 'name') return o.name;
      if (name === 'is_anonymous') return o.isAnonymous;
    }
    const args = [o];
    const getter = this.reg.resolve(`get$${name}`, args) ?? this.reg.resolve(name, args);
    if (getter !== undefined) return this.invoke(getter, args, pos, new Map(), 0);
    throw new RhaiError(
      'ErrorDotExpr',
      `Unknown property '${name}' - a getter is not registered for type '${typeOf(o)}'`,
      pos,
    );
  }

  setProp(o: Value, name: string, v: Value, pos: PositionLike): Value {
    if (o instanceof Map) {
      const max = this.limits.maxMapSize;
      if (max > 0 && !o.has(name) && o.size >= max) throw RhaiError.tooLarge('Size of object map', pos);
      o.set(name, v);
      if (typeof v === 'object') this.checkNested(o, pos);
      return o;
    }
    const args = [o, v];
    const setter = this.reg.resolve(`set$${name}`, args);
    if (setter !== undefined) {
      this.invoke(setter, args, pos, new Map(), 0);
      return this.ctx.thisSet ? this.ctx.newThis : o;
    }
    throw new RhaiError(
      'ErrorDotExpr',
      `Cannot set property '${name}' - a setter is not registered for type '${typeOf(o)}'`,
      pos,
    );
  }

  // ---- calls ----------------------------------------------------------------------------------

  /** Invoke a native function (counts one operation; fills in error positions). */
  invoke(def: NativeFnDef, args: Value[], pos: PositionLike, F: Map<string, ScriptFn>, d: number): Value {
    this.ops += 1;
    if (this.ops > this.lim) this.tick(pos);
    const ctx = this.ctx;
    ctx.at = pos;
    ctx.F = F;
    ctx.depth = d;
    ctx.thisSet = false;
    let r: Value;
    try {
      r = def.fn(ctx, args);
    } catch (e) {
      throw withPos(e, pos);
    }
    if (ctx.thisSet) {
      this.dirty = true;
      this.newThis = ctx.newThis;
    }
    if (this.nestedLimits && args.length > 1) {
      // A container stored into the receiver may make nested data exceed the size limits.
      for (let i = 1; i < args.length; i++) {
        if (typeof args[i] === 'object') {
          this.checkNested(args[0], pos);
          break;
        }
      }
    }
    return r === null ? undefined : r;
  }

  /** A call not resolved at compile time (natives; or script functions of an enclosing script). */
  call(site: CallSite, args: Value[], F: Map<string, ScriptFn>, d: number): Value {
    const sf = F.get(site.key);
    if (sf !== undefined) {
      if (typeof args[0] === 'object') args[0] = cloneValue(args[0]);
      return sf.fn(d + 1, UNBOUND, ...args);
    }
    const def = resolveCached(this.reg, site.cache, site.name, args);
    if (def !== undefined) {
      if (site.constRecv && def.mutates) {
        throw new RhaiError(
          'ErrorNonPureMethodCallOnConstant',
          `Non-pure method '${site.name}' cannot be called on constant`,
          site.pos,
        );
      }
      return this.invoke(def, args, site.pos, F, d);
    }
    throw notFound(signature(site.name, args), site.pos);
  }

  /** `f(args)` where `f` is also a variable: call the function pointer it holds, if any. */
  callValue(v: Value, site: CallSite, args: Value[], F: Map<string, ScriptFn>, d: number): Value {
    if (v instanceof FnPtr) return this.callPtr(F, v, args, d, UNBOUND, site.pos);
    return this.call(site, args, F, d);
  }

  /** Method-call style `recv.name(args)`; `all[0]` is the receiver (by reference). */
  callMethod(site: CallSite, all: Value[], F: Map<string, ScriptFn>, d: number): Value {
    const recv = all[0];
    const name = site.name;
    if (recv instanceof Map) {
      const p = recv.get(name);
      if (p instanceof FnPtr) return this.callPtr(F, p, all.slice(1), d, recv, site.pos);
    }
    if (recv instanceof FnPtr) {
      if (name === 'call') return this.callPtr(F, recv, all.slice(1), d, UNBOUND, site.pos);
      if (name === 'curry') return this.curry(recv, all.slice(1), site.pos);
    }
    if (name === 'call' && all.length >= 2 && all[1] instanceof FnPtr) {
      return this.callPtr(F, all[1], all.slice(2), d, recv, site.pos);
    }
    const sf = F.get(site.key);
    if (sf !== undefined) return sf.fn(d + 1, recv, ...all.slice(1));
    const def = resolveCached(this.reg, site.cache, name, all);
    if (def !== undefined) {
      if (site.constRecv && def.mutates) {
        throw new RhaiError(
          'ErrorNonPureMethodCallOnConstant',
          `Non-pure method '${name}' cannot be called on constant`,
          site.pos,
        );
      }
      return this.invoke(def, all, site.pos, F, d);
    }
    throw notFound(signature(name, all), site.pos);
  }

  /** Call a function pointer (curried arguments first); `th` binds `this` for script functions. */
  callPtr(
    F: Map<string, ScriptFn>,
    fp: Value,
    args: Value[],
    d: number,
    th: unknown,
    pos: PositionLike,
  ): Value {
    if (!(fp instanceof FnPtr)) {
      throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(fp)} (expecting Fn)`, pos);
    }
    const all = fp.curried.length > 0 ? [...fp.curried, ...args] : args;
    const target = fp.target as ScriptFn | undefined;
    if (target !== undefined) {
      if (target.arity !== all.length) throw notFound(signature(fp.name, all), pos);
      return this.callScript(target, d + 1, th, all);
    }
    const sf = F.get(`${fp.name}/${all.length}`);
    if (sf !== undefined) return this.callScript(sf, d + 1, th, all);
    const withThis = th !== UNBOUND ? [th as Value, ...all] : all;
    const def = this.reg.resolve(fp.name, withThis);
    if (def !== undefined) return this.invoke(def, withThis, pos, F, d);
    throw notFound(signature(fp.name, withThis), pos);
  }

  /**
   * `call(f, x, ...)` with `x` a variable: a native gets `x` by reference (its changes are written
   * back through `dirty`); a script function gets a copy, as every script argument.
   */
  callPtrRef(F: Map<string, ScriptFn>, fp: Value, args: Value[], d: number, pos: PositionLike): Value {
    const curried = fp instanceof FnPtr ? fp.curried.length : 0;
    const scripted =
      fp instanceof FnPtr && (fp.target !== undefined || F.has(`${fp.name}/${curried + args.length}`));
    if (scripted && typeof args[0] === 'object') args[0] = cloneValue(args[0]);
    return this.callPtr(F, fp, args, d, UNBOUND, pos);
  }

  /** For natives: like `callPtr`, but trailing arguments the function does not take are dropped. */
  callPtrLenient(F: Map<string, ScriptFn>, fp: FnPtr, args: Value[], d: number, pos: PositionLike): Value {
    if (!(fp instanceof FnPtr)) return this.callPtr(F, fp, args, d, UNBOUND, pos);
    const curried = fp.curried.length;
    for (let n = args.length; n >= 0; n--) {
      if (this.hasTarget(F, fp, curried + n)) return this.callPtr(F, fp, args.slice(0, n), d, UNBOUND, pos);
    }
    return this.callPtr(F, fp, args, d, UNBOUND, pos);
  }

  /** Whether a function pointer can be called with `arity` arguments in total. */
  hasTarget(F: Map<string, ScriptFn>, fp: FnPtr, arity: number): boolean {
    const target = fp.target as ScriptFn | undefined;
    if (target !== undefined) return target.arity === arity;
    return F.has(`${fp.name}/${arity}`) || this.reg.hasArity(fp.name, arity);
  }

  curry(fp: Value, args: Value[], pos: PositionLike): FnPtr {
    if (!(fp instanceof FnPtr)) {
      throw new RhaiError('ErrorMismatchDataType', `Data type incorrect: ${typeOf(fp)} (expecting Fn)`, pos);
    }
    // Each curry copies the arguments curried before: a chain of them is quadratic work.
    this.charge(fp.curried.length + args.length, pos);
    return fp.curry(args);
  }

  /** `Fn("name")`. */
  fnPtr(name: Value, _F: Map<string, ScriptFn>, pos: PositionLike): FnPtr {
    if (typeof name !== 'string') throw notFound(signature('Fn', [name]), pos);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^anon\$\d+$/.test(name)) {
      throw new RhaiError(
        'ErrorFunctionNotFound',
        `Function not found: invalid function name '${name}'`,
        pos,
      );
    }
    return new FnPtr(name);
  }

  isDefFn(F: Map<string, ScriptFn>, name: Value, arity: Value): boolean {
    return typeof name === 'string' && typeof arity === 'number' && F.has(`${name}/${arity}`);
  }

  isDefVar(name: Value, names: readonly string[], DF: DynFrame | null, DS: ScopeView | null): boolean {
    if (typeof name !== 'string') return false;
    return names.includes(name) || dynLookup(DF, DS, name) !== NOT_FOUND;
  }

  print(v: Value): Value {
    const print = this.host.onPrint;
    if (print !== undefined)
      print(typeof v === 'object' ? this.host.values.display(this.ctx, v) : displayString(v));
    return undefined;
  }

  debug(v: Value, pos: PositionLike): Value {
    const debug = this.host.onDebug;
    if (debug === undefined) return undefined;
    const text = typeof v === 'object' ? this.host.values.debug(this.work(pos), v) : debugString(v);
    debug(text, toPositionObject(pos) ?? { line: 0, column: 0 });
    return undefined;
  }

  // ---- dynamic variables ----------------------------------------------------------------------

  takeDS(): ScopeView | null {
    const v = this.pendingDS;
    this.pendingDS = null;
    return v;
  }

  view(
    DF: DynFrame | null,
    DS: ScopeView | null,
    names: readonly string[],
    consts: readonly boolean[],
    getter: () => Value[],
    setter: (i: number, v: Value) => void,
    G: Map<string, Value> | null = null,
  ): ScopeView {
    return new StaticView(DF, DS, names, consts, getter, setter, G);
  }

  /** A new frame for the variables `eval` creates in a function activation. */
  newFrame(): DynFrame {
    return new DynFrame();
  }

  /** A static variable that `eval` may have shadowed since: the `eval` one if any, else `v`. */
  dv(DF: DynFrame, name: string, v: Value): Value {
    if (DF.size === 0) return v;
    const d = DF.get(name);
    return d === undefined ? v : d.value;
  }

  /** Assign a variable `eval` may have shadowed: true when it was the `eval` one. */
  dset(DF: DynFrame, name: string, v: Value, pos: PositionLike): boolean {
    if (DF.size === 0) return false;
    const d = DF.get(name);
    if (d === undefined) return false;
    if (d.constant) throw new RhaiError('ErrorAssignmentToConstant', `Cannot modify constant ${name}`, pos);
    d.value = v;
    return true;
  }

  dynGet(DF: DynFrame | null, DS: ScopeView | null, name: string, pos: PositionLike): Value {
    const v = dynLookup(DF, DS, name);
    if (v !== NOT_FOUND) return v;
    throw this.varNotFound(name, pos);
  }

  /** A name read in a function: a variable of the call (eval, `!`), else a global or host constant. */
  dynGetConst(
    DF: DynFrame | null,
    DS: ScopeView | null,
    G: Map<string, Value>,
    name: string,
    pos: PositionLike,
  ): Value {
    const v = dynLookup(DF, DS, name);
    if (v !== NOT_FOUND) return v;
    if (G.has(name)) return G.get(name);
    const view = this.hostView;
    if (view instanceof HostScopeView) {
      const e = view.hostScope.entry(name);
      if (e?.constant) return e.value;
    }
    throw this.varNotFound(name, pos);
  }

  /** A name that is both possibly a variable and a script function: the variable, else a pointer. */
  dynGetOrFn(DF: DynFrame | null, DS: ScopeView | null, name: string): Value {
    const v = dynLookup(DF, DS, name);
    return v !== NOT_FOUND ? v : new FnPtr(name);
  }

  dynSet(DF: DynFrame | null, DS: ScopeView | null, name: string, v: Value, pos: PositionLike): void {
    try {
      if (DF !== null) {
        const d = DF.get(name);
        if (d !== undefined) {
          if (d.constant) throw new RhaiError('ErrorAssignmentToConstant', `Cannot modify constant ${name}`);
          d.value = v;
          return;
        }
      }
      if (DS?.set(name, v)) return;
    } catch (e) {
      throw withPos(e, pos);
    }
    throw this.varNotFound(name, pos);
  }

  private varNotFound(name: string, pos: PositionLike): RhaiError {
    const e = new RhaiError('ErrorVariableNotFound', `Variable not found: ${name}`, pos);
    e.details = { variable: name };
    return e;
  }

  writeBack(
    DS: ScopeView,
    names: readonly string[],
    consts: readonly boolean[],
    values: readonly unknown[],
    DF: DynFrame | null = null,
  ): void {
    for (let i = 0; i < names.length; i++) {
      if (values[i] !== NS) DS.define(names[i], values[i] as Value, consts[i]);
    }
    // Top-level variables `eval` created belong to the scope too.
    if (DF !== null) for (const [name, d] of DF.entries()) DS.define(name, d.value, d.constant);
  }

  globalGet(G: Map<string, Value>, name: string, pos: PositionLike): Value {
    if (G.has(name)) return G.get(name);
    const v = this.hostView?.get(name);
    if (v !== undefined && v !== NOT_FOUND) return v;
    throw this.varNotFound(`global::${name}`, pos);
  }

  // ---- eval -----------------------------------------------------------------------------------

  evalCode(
    code: Value,
    F: Map<string, ScriptFn>,
    G: Map<string, Value>,
    d: number,
    view: ScopeView,
    pos: PositionLike,
  ) {
    if (this.host.disableEval || typeof code !== 'string') throw notFound(signature('eval', [code]), pos);
    if (this.maxLevels > 0 && d + 1 > this.maxLevels) this.overflow(pos);
    const unit = this.host.compileEval(code);
    const inst = this.instantiateEval(unit, F, G);
    try {
      return inst.main(d + 1, view, null, UNBOUND);
    } catch (e) {
      // Whatever fails in the evaluated code is reported as an error in the call to `eval`.
      throw e instanceof RhaiError && e.kind === 'ErrorParsing' ? e : inFunctionCall(e, 'eval', true);
    }
  }

  /** An error leaving the script function `name` (see `inFunctionCall`). */
  inFunction(e: unknown, name: string): unknown {
    return inFunctionCall(e, name);
  }

  // ---- modules --------------------------------------------------------------------------------

  importModule(path: Value, pos: PositionLike, d: number): RModule {
    if (typeof path !== 'string') {
      throw new RhaiError(
        'ErrorMismatchDataType',
        `Data type incorrect: ${typeOf(path)} (expecting string)`,
        pos,
      );
    }
    const cached = this.modCache.get(path);
    if (cached !== undefined) return cached;
    const max = this.limits.maxModules;
    if (max > 0 && this.moduleCount >= max)
      throw new RhaiError('ErrorTooManyModules', 'Too many modules imported', pos);
    this.moduleCount++;
    if (this.maxLevels > 0 && d + 1 > this.maxLevels) this.overflow(pos);
    let resolved: CompiledUnit | RModule | null;
    try {
      resolved = this.host.resolveModule(path);
    } catch (e) {
      const err = toRhaiError(e);
      if (err.kind === 'ErrorParsing' || !isCatchable(err)) throw err.at(pos);
      throw this.inModule(path, err, pos);
    }
    if (resolved === null) {
      const e = new RhaiError('ErrorModuleNotFound', `Module not found: ${path}`, pos);
      e.details = { module: path };
      throw e;
    }
    if (!('factory' in resolved)) {
      this.modCache.set(path, resolved);
      return resolved;
    }
    const ex: Exports = { vars: new Map(), subs: new Map() };
    const inst = this.acquire(resolved);
    try {
      // A module's top level runs to its end where it is imported (its service calls wait in place).
      const r = inst.main(d + 1, null, ex, UNBOUND);
      if (resolved.suspends) this.drive(r as unknown as Generator<unknown, Value, unknown>);
    } catch (e) {
      const err = toRhaiError(e);
      if (!isCatchable(err)) throw err;
      throw this.inModule(path, err, pos);
    }
    const m = moduleFromExports(path, ex, inst);
    this.modCache.set(path, m);
    return m;
  }

  private inModule(path: string, inner: RhaiError, pos: PositionLike): RhaiError {
    const e = new RhaiError('ErrorInModule', `${inner.message} (in module '${path}')`, inner.position ?? pos);
    e.details = { module: path };
    e.inner = inner;
    return e;
  }

  hostModule(name: string, pos: PositionLike): RModule {
    const m = this.host.modules.get(name) ?? this.modCache.get(name);
    if (m !== undefined) return m;
    const e = new RhaiError('ErrorModuleNotFound', `Module not found: ${name}`, pos);
    e.details = { module: name };
    throw e;
  }

  moduleOr(js: unknown, name: string, pos: PositionLike): RModule {
    return js === NS ? this.hostModule(name, pos) : (js as RModule);
  }

  subModule(m: RModule, name: string, pos: PositionLike): RModule {
    const s = m.subs.get(name);
    if (s !== undefined) return s;
    throw new RhaiError('ErrorModuleNotFound', `Module not found: ${m.name}::${name}`, pos);
  }

  moduleVar(m: RModule, name: string, pos: PositionLike): Value {
    if (m.vars.has(name)) return m.vars.get(name);
    throw this.varNotFound(`${m.name}::${name}`, pos);
  }

  /** `m::f(args)` where the run cannot suspend: a host function's request is waited on in place. */
  moduleCall(m: RModule, site: CallSite, args: Value[], d: number): Value {
    const sf = m.fns.get(site.key);
    if (sf !== undefined) return sf.fn(d + 1, UNBOUND, ...args);
    return this.settle(this.moduleCallS(m, site, args, d) as Value | Suspension);
  }

  /**
   * `m::f(args)` in code compiled to suspend: a host function's `Suspension` is returned as is, and
   * a script module's function that may suspend as a `Delegation` to its generator.
   */
  moduleCallS(m: RModule, site: CallSite, args: Value[], d: number): Value | Suspension | Delegation {
    const sf = m.fns.get(site.key);
    if (sf !== undefined) {
      if (sf.gen !== undefined) return new Delegation(sf.gen(d + 1, UNBOUND, ...args));
      return sf.fn(d + 1, UNBOUND, ...args);
    }
    const def = m.natives.resolve(site.name, args);
    if (def !== undefined) return this.invoke(def, args, site.pos, new Map(), d) as Value | Suspension;
    throw notFound(signature(`${site.ns ?? m.name}::${site.name}`, args), site.pos);
  }

  // ---- errors ---------------------------------------------------------------------------------

  /**
   * `throw value`: the error carries the value whole (a `catch` gets it intact); its message shows
   * only the start of the value's text, so throwing a huge or deep value costs no more than that.
   */
  mkThrow(v: Value, pos: PositionLike): RhaiError {
    const msg =
      v === undefined || v === '' ? 'Runtime error' : `Runtime error: ${displayWithin(v, THROWN_TEXT_MAX)}`;
    return new RhaiError('ErrorRuntime', msg, pos, v);
  }

  /** Entering a `catch` block: convert the error, re-throwing what scripts may not catch. */
  caught(e: unknown): RhaiError {
    this.dirty = false;
    this.pendingDS = null;
    const err = toRhaiError(e);
    if (!isCatchable(err)) throw err;
    return err;
  }

  /** The value bound by `catch (err)`: the thrown value, or an error map for runtime errors. */
  errorValue(wrapped: RhaiError): Value {
    // An error from inside a function call is caught as the error the function raised.
    const err = wrapped.rootCause;
    if (err.kind === 'ErrorRuntime' && 'value' in err && !err.message.startsWith('Internal error')) {
      return err.value;
    }
    const m = new Map<string, Value>();
    m.set('message', err.message);
    m.set('error', err.kind);
    if (err.sourceName !== undefined) m.set('source', err.sourceName);
    if (err.position !== null) {
      m.set('line', err.position.line);
      m.set('position', err.position.column);
    }
    for (const [k, v] of Object.entries(err.details ?? {})) m.set(k, v);
    return m;
  }
}

function moduleFromExports(path: string, ex: Exports, inst: Instance): RModule {
  const m = new RModule(path);
  for (const [k, v] of ex.vars) m.vars.set(k, v);
  for (const [k, s] of ex.subs) m.subs.set(k, s);
  for (const [k, f] of inst.F) if (!f.isPrivate) m.fns.set(k, f);
  return m;
}

/** Re-exported for the engine. */
export { moduleFromHost };
