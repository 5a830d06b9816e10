/**
 * Compile-time scopes: every Rhai variable is resolved to a JS local (`v12`) when the script is
 * compiled, so the generated code never looks variables up by name at run time (except for names
 * the script does not declare: host scope variables and variables created by `eval`).
 */

/** A Rhai variable bound to a generated JS local. */
export interface VarInfo {
  /** The Rhai name. */
  readonly name: string;
  /** The generated JS identifier (compiler-made, e.g. `v12`). */
  readonly js: string;
  readonly constant: boolean;
  /** The function context that owns the variable. */
  readonly owner: FnCtx;
  /** Set when a closure captures the variable (it is then shared, as in Rhai). */
  captured: boolean;
  /** Declared at the top level of the main script (hoisted; written back to the host scope). */
  readonly hoisted: boolean;
  /** An `eval` ran in its scope after it was declared: a variable `eval` created may shadow it. */
  shadowable?: boolean;
  /**
   * JS name of the flag that is true while the variable is lent to a call (as its receiver or
   * first argument); closures sharing the variable check it (ErrorDataRace, as in Rhai).
   */
  borrowFlag?: string;
}

/** A loop being compiled: its JS label and the temp receiving `break value`. */
export interface LoopCtx {
  readonly label: string;
  /** Label of an inner block that `continue` breaks out of (do-loops), when used. */
  readonly continueLabel?: string;
  readonly result: string;
}

/** Per generated-JS-function state (the main script, a script function or a closure). */
export class FnCtx {
  readonly id: number;
  readonly kind: 'main' | 'fn' | 'closure';
  /** Lexically enclosing context (closures only). */
  readonly parent: FnCtx | null;
  readonly temps: string[] = [];
  readonly loops: LoopCtx[] = [];
  /** JS names of the error variables of enclosing catch blocks (for `throw;` re-throw). */
  readonly catches: string[] = [];
  /** The function (or something it calls lexically) reads names it does not declare. */
  usesDyn = false;
  /** The function runs `eval` (needs a frame for variables eval defines). */
  usesEval = false;
  /** The function assigns `this` (the caller must write the new value back). */
  writesThis = false;
  /** The function has loops (declares a local operation counter). */
  countsOps = false;
  /** Compiled as a generator: calls that may suspend yield (see suspends.ts). */
  generator = false;
  /** Variables hoisted to the top of the main function. */
  readonly hoisted: VarInfo[] = [];
  /** Borrow flags of this function's variables that closures share (declared in its prologue). */
  readonly borrowFlags: string[] = [];

  constructor(id: number, kind: 'main' | 'fn' | 'closure', parent: FnCtx | null) {
    this.id = id;
    this.kind = kind;
    this.parent = parent;
  }

  /** The non-closure context whose dynamic frame this context uses. */
  get home(): FnCtx {
    let c: FnCtx = this;
    while (c.kind === 'closure' && c.parent !== null) c = c.parent;
    return c;
  }
  /** JS name of the caller-provided scope view. */
  get dsName(): string {
    return `DS${this.home.id}`;
  }
  /** JS name of the frame holding variables defined by `eval`. */
  get dfName(): string {
    return `DF${this.home.id}`;
  }
}

/** A block scope. */
export class Scope {
  readonly vars = new Map<string, VarInfo>();
  /** Module aliases imported in this scope: Rhai name -> JS name. */
  readonly mods = new Map<string, string>();
  readonly parent: Scope | null;
  readonly fn: FnCtx;
  /** Lookups stop here (script function bodies cannot see outer variables). */
  readonly boundary: boolean;
  /** Top level of the main script: variables are hoisted. */
  readonly topLevel: boolean;
  /** `eval` is called directly in this block: what it defines must be dropped when the block ends. */
  evalHere = false;

  constructor(parent: Scope | null, fn: FnCtx, boundary: boolean, topLevel = false) {
    this.parent = parent;
    this.fn = fn;
    this.boundary = boundary;
    this.topLevel = topLevel;
  }

  /** Resolve a variable, marking it captured when found in an enclosing function context. */
  lookup(name: string, from: FnCtx): VarInfo | undefined {
    let s: Scope | null = this;
    while (s !== null) {
      const v = s.vars.get(name);
      if (v !== undefined) {
        if (v.owner !== from) v.captured = true;
        return v;
      }
      if (s.boundary) return undefined;
      s = s.parent;
    }
    return undefined;
  }

  /** Resolve a module alias (crossing function boundaries: global imports are visible in functions). */
  lookupModule(name: string): string | undefined {
    let s: Scope | null = this;
    while (s !== null) {
      const m = s.mods.get(name);
      if (m !== undefined) return m;
      s = s.parent;
    }
    return undefined;
  }

  /** All variables visible from here (innermost first wins), for `eval` and `!` calls. */
  visible(): VarInfo[] {
    const seen = new Map<string, VarInfo>();
    let s: Scope | null = this;
    while (s !== null) {
      for (const [name, v] of s.vars) if (!seen.has(name)) seen.set(name, v);
      if (s.boundary) break;
      s = s.parent;
    }
    return [...seen.values()];
  }

  /** Number of variables alive in this function (for the max-variables limit). */
  countInFunction(): number {
    let n = 0;
    let s: Scope | null = this;
    while (s !== null && s.fn === this.fn) {
      n += s.vars.size;
      if (s.boundary) break;
      s = s.parent;
    }
    return n;
  }
}
