/**
 * The code generator: compiles a parsed script into JavaScript source, instantiated with
 * `new Function`. Sandboxing argument: the generated text contains only compiler-made identifiers
 * (`v1`, `t2`, `f3`, `L4`...), numbers in canonical form and fixed code templates. Every piece of
 * script text (strings, names, property keys) lives in the constant pool `K` and is referenced by
 * index, so no script text is ever spliced into the generated source.
 */
import { type Position, RhaiError } from '../errors.js';
import type {
  Assign,
  Binary,
  Block,
  Call,
  Closure,
  DoLoop,
  Expr,
  FnDef,
  For,
  If,
  Index,
  Logical,
  Loop,
  MethodCall,
  Property,
  Script,
  Stmt,
  Switch,
  TryCatch,
  Unary,
  While,
} from '../parser/ast.js';
import { type SrcPos, srcPos, toPosition, unreachable } from '../parser/ast.js';
import { effectiveLimit, HARD_LIMITS, type Limits } from '../runtime/limits.js';
import type { CallSiteCache } from '../runtime/registry.js';
import { swKey } from '../runtime/switch-key.js';
import { RChar, RFloat, type Value } from '../runtime/value.js';
import { isBoolExpr, isPure, keepsValue, mayAlias } from './analysis.js';
import { FnCtx, type LoopCtx, Scope, type VarInfo } from './scope.js';
import { mayReachSuspension, type SuspendingParts, suspendingParts } from './suspends.js';

/** A native call site: name, arity, position and its inline cache. */
export interface CallSite {
  readonly name: string;
  readonly argc: number;
  /** `name/argc`, the script-function table key. */
  readonly key: string;
  readonly pos: Position;
  /** The receiver (or first argument) is a constant: mutating natives are refused. */
  readonly constRecv: boolean;
  /** Module path for namespace-qualified calls (`a::b::f`), for messages. */
  readonly ns?: string;
  readonly cache: CallSiteCache;
}

/** Code generation settings. */
export interface CodegenOptions {
  readonly limits: Readonly<Limits>;
  /** `eval` chunks resolve unknown names and define top-level variables through the caller's scope. */
  readonly mode: 'script' | 'eval';
  /** Names not declared by the script are compile errors unless listed in `knownVariables`. */
  readonly strictVariables?: boolean;
  /**
   * Host modules whose functions never suspend the run; a call to any other module (a host module
   * registered as suspending, or an imported script) may (see suspends.ts). Undefined: nothing
   * suspends.
   */
  readonly quietModules?: ReadonlySet<string>;
  readonly knownVariables?: ReadonlySet<string>;
}

/** Output of the code generator. */
export interface GeneratedCode {
  /** Body of the factory `(K, P, S, FP, GP, H) => { main, F, G, bind, reset }`. */
  readonly source: string;
  /** Constant pool. */
  readonly consts: unknown[];
  /** Positions table (unused: positions are emitted as packed numbers in the code). */
  readonly positions: Position[];
  /** Native call sites. */
  readonly sites: CallSite[];
  /** `main` is a generator (see suspends.ts). */
  readonly suspends: boolean;
}

/** Names of intrinsics that the compiler handles itself (name -> accepted arities). */
const INTRINSICS: ReadonlyMap<string, readonly number[]> = new Map([
  ['print', [1]],
  ['debug', [1]],
  ['type_of', [1]],
  ['Fn', [1]],
  ['eval', [1]],
  ['is_def_var', [1]],
  ['is_def_fn', [2]],
  ['is_shared', [1]],
]);

const ARITH_TEMPLATES: Readonly<Record<string, string>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '**': 'pow',
  '<<': 'shl',
  '>>': 'shr',
  '&': 'band',
  '|': 'bor',
  '^': 'bxor',
};

const CMP_METHODS: Readonly<Record<string, string>> = {
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

const MAX_SAFE = '9007199254740991';

/** Marks a `pre` step of an assignment target that is a `?.`/`?[` guard on the atom after it. */
const GUARD = '\u0000guard:';

interface Captured {
  readonly code: string;
  readonly stmts: string[];
}

interface LRef {
  /** Comma-expression parts evaluated before `get` is valid. */
  readonly pre: string[];
  /** Atom holding the current value (a reference for containers). */
  readonly get: string;
  /**
   * Expression storing a new value (writing back through immutable containers). `rare`: the store
   * writes back a replaced container (a string or bit-field changed in place), which happens
   * seldom: through the runtime, without inline fast paths.
   */
  set(v: string, rare?: boolean): string;
}

/** Compile a parsed script to JavaScript source. */
export function generate(script: Script, options: CodegenOptions): GeneratedCode {
  return new Codegen(options).generate(script);
}

/**
 * Literal and identifier codes are short. The tests below look at a code's length before its
 * characters: reading a character of a long code (a rope of concatenated pieces) would flatten it,
 * copying it once per nesting level of the expression.
 */
const ATOM_MAX = 40;

function isLiteralCode(code: string): boolean {
  if (code.length > ATOM_MAX) return false;
  // Most operands are temporaries and variables: decided on the first character.
  const c = code.charCodeAt(0);
  if ((c === 116 && code !== 'true') || c === 118 || c === 114) return false; // t, v, r
  return /^(?:\(-?[0-9][0-9.e+-]*\)|[0-9][0-9.e+-]*|K\[\d+\]|undefined|true|false)$/.test(code);
}

/** The value of a numeric literal atom (`42`, `(-1)`, `1.5`), else undefined. */
function literalNumber(code: string): number | undefined {
  if (code.length > ATOM_MAX) return undefined;
  const c = code.charCodeAt(0);
  if (!(c >= 48 && c <= 57) && !(c === 40 && code.charCodeAt(1) === 45)) return undefined;
  if (!/^(?:\(-[0-9][0-9.e+-]*\)|[0-9][0-9.e+-]*)$/.test(code)) return undefined;
  const v = Number(code.charCodeAt(0) === 40 ? code.slice(1, -1) : code);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * `parts.join(sep)` for code pieces. A join copies every piece into a new flat string, so nested
 * expressions joined level by level would be copied once per level; a few pieces are concatenated
 * instead (V8 links them without copying), a long list of pieces is joined.
 */
function cat(parts: readonly string[], sep: string): string {
  if (parts.length > 8) return parts.join(sep);
  if (parts.length === 0) return '';
  let s = parts[0];
  for (let i = 1; i < parts.length; i++) s = s + sep + parts[i];
  return s;
}

/** A numeric literal code in parentheses, so that a property access or call can follow it. */
function parenNumber(code: string): string {
  return code.length <= ATOM_MAX && /^[0-9]/.test(code) ? `(${code})` : code;
}

function isInt32(v: number): boolean {
  return (v | 0) === v && !Object.is(v, -0);
}

function isIdentCode(code: string): boolean {
  if (code.length > ATOM_MAX) return false;
  const c = code.charCodeAt(0);
  if (c !== 116 && c !== 118) return false; // t, v
  return /^(?:[vt]\d+|th)$/.test(code);
}

class Codegen {
  private readonly opts: CodegenOptions;
  private readonly consts: unknown[] = [];
  private readonly constIndex = new Map<string, number>();
  private readonly positions: Position[] = [];
  private readonly sites: CallSite[] = [];
  /** Script functions by `name/arity`: `js` is callable anywhere; `gen`, of one that may suspend, only by generators. */
  private readonly fnTable = new Map<string, { js: string; gen?: string; def: FnDef }>();
  /** The parts of the script compiled to generators. */
  private parts: SuspendingParts = { main: false, fns: new Set() };
  /** Module variables of top-level imports, declared at factory level so functions see them. */
  private readonly globalMods: string[] = [];

  private out: string[] = [];
  private fn!: FnCtx;
  private scope!: Scope;
  private counter = 0;
  private anonCounter = 0;
  /** Label to jump to when a `?.`/`?[` link of an assignment target meets `()`. */
  private safeLabel = '';
  /** The next node compiled is the target of a chain link. */
  private asChainTarget = false;
  /** Memo of `safeChain`. */
  private readonly safeChains = new WeakMap<Expr, boolean>();
  /** Names of the constants declared at the top level of the script. */
  private topConstants: ReadonlySet<string> = new Set();
  /** Names of the script's functions (any arity). */
  private fnNames: ReadonlySet<string> = new Set();
  /** JS names of loop variables known to hold an INT for their whole scope. */
  private readonly intVars = new Set<string>();
  /** Exported variables of the main script: [alias, js]. */
  private readonly exports: [string, string][] = [];

  constructor(opts: CodegenOptions) {
    this.opts = opts;
  }

  // ---- pools ----------------------------------------------------------------------------------

  /** Reference a constant-pool entry (strings are de-duplicated). */
  private k(value: unknown): string {
    if (typeof value === 'string') {
      const key = `s:${value}`;
      const hit = this.constIndex.get(key);
      if (hit !== undefined) return `K[${hit}]`;
      this.constIndex.set(key, this.consts.length);
    }
    this.consts.push(value);
    return `K[${this.consts.length - 1}]`;
  }

  /** A position operand: the packed number itself (unpacked only if an error is raised). */
  private p(pos: SrcPos): string {
    return pos < 0 ? `(${pos})` : String(pos);
  }

  private site(name: string, argc: number, pos: SrcPos, constRecv = false, ns?: string): string {
    this.sites.push({
      name,
      argc,
      key: `${name}/${argc}`,
      pos: toPosition(pos),
      constRecv,
      ns,
      cache: { gen: -1, tags: null, def: null },
    });
    return `S[${this.sites.length - 1}]`;
  }

  private temp(): string {
    const t = `t${++this.counter}`;
    this.fn.temps.push(t);
    return t;
  }

  private label(): string {
    return `L${++this.counter}`;
  }

  private emit(line: string): void {
    this.out.push(line);
  }

  /** Emit many lines (no spread: a huge block must not overflow the JS stack). */
  private append(lines: readonly string[]): void {
    const out = this.out;
    for (let i = 0; i < lines.length; i++) out.push(lines[i]);
  }

  /** Compile with a fresh statement buffer, returning the code and the statements it needed. */
  private capture(f: () => string): Captured {
    const saved = this.out;
    this.out = [];
    try {
      const code = f();
      return { code, stmts: this.out };
    } finally {
      this.out = saved;
    }
  }

  private withScope<T>(scope: Scope, f: () => T): T {
    const saved = this.scope;
    this.scope = scope;
    try {
      return f();
    } finally {
      this.scope = saved;
    }
  }

  private fail(
    kind: 'AssignmentToConstant' | 'VariableUndefined' | 'BadInput',
    msg: string,
    pos: SrcPos,
  ): never {
    throw RhaiError.parse(kind, msg, toPosition(pos));
  }

  // ---- top level ------------------------------------------------------------------------------

  generate(script: Script): GeneratedCode {
    this.fnNames = new Set(script.functions.map((f) => f.name));
    this.topConstants = new Set(script.body.flatMap((s) => (s.type === 'Let' && s.constant ? [s.name] : [])));
    if (this.opts.mode === 'script' && this.opts.quietModules !== undefined)
      this.parts = suspendingParts(script, this.opts.quietModules);
    script.functions.forEach((f, i) => {
      const key = `${f.name}/${f.params.length}`;
      this.fnTable.set(key, { js: `f${i}`, gen: this.parts.fns.has(key) ? `g${i}` : undefined, def: f });
    });
    const mainSrc = this.genMain(script.body);
    const fnSrcs = script.functions.map((f, i) => this.genFunction(f, `f${i}`));
    const lines: string[] = [
      '"use strict";',
      // The runtime of the run using this instance (instances are reused across runs).
      'let rt = null;',
      'const { UNBOUND, NS, SC, FnPtr, DONE, NADD, NSUB, NMUL, NDIV, NADDA, IDX, cloneValue, SUSP, DLG } = H;',
      'function B(v, p) { return typeof v === "boolean" ? v : rt.notBool(v, p); }',
      // Copies are charged by their size (see Runtime.clone).
      'function CL(v) { return typeof v === "object" ? rt.clone(v) : v; }',
      'const F = FP === null ? new Map() : FP;',
      'const G = GP === null ? new Map() : GP;',
      'const OWN = { bind, cur };',
    ];
    const mods = this.globalMods;
    if (mods.length > 0) lines.push(`let ${mods.map((m) => `${m} = NS`).join(', ')};`);
    const reset = `function reset() { G.clear();${mods.map((m) => ` ${m} = NS;`).join('')} }`;
    for (const f of fnSrcs) lines.push(f);
    script.functions.forEach((f, i) => {
      lines.push(
        `F.set(${this.k(`${f.name}/${f.params.length}`)}, { fn: f${i}, name: ${this.k(f.name)}, arity: ${f.params.length}, isPrivate: ${f.isPrivate}, own: OWN${this.parts.fns.has(`${f.name}/${f.params.length}`) ? `, gen: g${i}` : ''} });`,
      );
    });
    lines.push(
      mainSrc,
      reset,
      'function bind(r) { const prev = rt; rt = r; return prev; }',
      'function cur() { return rt; }',
      'return { main, F, G, bind, reset };',
    );
    return {
      source: lines.join('\n'),
      consts: this.consts,
      positions: this.positions,
      sites: this.sites,
      suspends: this.parts.main,
    };
  }

  private prologue(ctx: FnCtx, pos: SrcPos, cost: number): string[] {
    const lines: string[] = [];
    const maxLevels = this.opts.limits.maxCallLevels;
    if (ctx.kind !== 'main' && maxLevels > 0)
      lines.push(`if (d > ${maxLevels}) rt.overflow(${this.p(pos)});`);
    lines.push(`if ((rt.ops += ${cost}) > rt.lim) rt.tick(${this.p(pos)});`);
    if (ctx.temps.length > 0) lines.push(`let ${ctx.temps.join(', ')};`);
    if (ctx.borrowFlags.length > 0)
      lines.push(`let ${ctx.borrowFlags.map((b) => `${b} = false`).join(', ')};`);
    if (ctx.countsOps) lines.push('let oc = 0;');
    if (ctx.kind !== 'closure') {
      if (ctx.kind === 'fn' && ctx.usesDyn) lines.push(`const ${ctx.dsName} = rt.takeDS();`);
      if (ctx.usesEval) lines.push(`const ${ctx.dfName} = rt.newFrame();`);
      else if (ctx.usesDyn) lines.push(`const ${ctx.dfName} = null;`);
    }
    return lines;
  }

  private genMain(body: readonly Stmt[]): string {
    const ctx = new FnCtx(++this.counter, 'main', null);
    ctx.generator = this.parts.main;
    this.fn = ctx;
    const scope = new Scope(null, ctx, true, true);
    this.scope = scope;
    this.out = [];
    const value = this.blockBody(body, true);
    this.emit(`return ${value};`);
    const bodyLines = this.out;
    const lines: string[] = [`function${ctx.generator ? '*' : ''} main(d, ${ctx.dsName}, EX, th) {`];
    // The main function's scope view arrives as a parameter, not through takeDS.
    ctx.usesDyn = ctx.usesDyn || this.opts.mode === 'eval';
    lines.push(...this.prologue(ctx, srcPos(1, 1), body.length + 1));
    const hoisted = ctx.hoisted;
    if (hoisted.length > 0) lines.push(`let ${hoisted.map((v) => `${v.js} = NS`).join(', ')};`);
    const finals: string[] = [];
    if (hoisted.length > 0) {
      finals.push(
        `if (${ctx.dsName} !== null) rt.writeBack(${ctx.dsName}, ${this.k(hoisted.map((v) => v.name))}, ${this.k(
          hoisted.map((v) => v.constant),
        )}, [${hoisted.map((v) => v.js).join(', ')}]${ctx.usesEval ? `, ${ctx.dfName}` : ''});`,
      );
    }
    const exportLines: string[] = [];
    for (const [alias, js] of this.exports) {
      exportLines.push(`if (${js} !== NS) EX.vars.set(${this.k(alias)}, ${js});`);
    }
    for (const [alias, js] of scope.mods)
      exportLines.push(`if (${js} !== NS) EX.subs.set(${this.k(alias)}, ${js});`);
    if (exportLines.length > 0) finals.push(`if (EX !== null) {`, ...exportLines, '}');
    if (finals.length > 0) {
      lines.push('try {', bodyLines.join('\n'), '} finally {', ...finals, '}');
    } else {
      lines.push(bodyLines.join('\n'));
    }
    lines.push('}');
    return lines.join('\n');
  }

  private genFunction(def: FnDef, js: string): string {
    const ctx = new FnCtx(++this.counter, 'fn', null);
    const gen = this.fnTable.get(`${def.name}/${def.params.length}`)?.gen;
    ctx.generator = gen !== undefined;
    this.fn = ctx;
    // Function bodies see global module imports but no outer variables.
    const globalScope = this.globalModScope();
    const scope = new Scope(globalScope, ctx, true);
    this.scope = scope;
    this.out = [];
    const params = def.params.map((name) => this.declare(name, false, def.pos, true));
    const value = this.blockBody(def.body.body, true);
    this.emit(`return ${value};`);
    const body = this.out;
    const lines = [`function${gen ? `* ${gen}` : ` ${js}`}(d, th${params.map((p) => `, ${p}`).join('')}) {`];
    lines.push(...this.prologue(ctx, def.pos, def.body.body.length + 1));
    lines.push(...this.functionBody(ctx, body, def.name));
    lines.push('}');
    // Callers that cannot suspend (closures, function pointers, other scripts) run the generator
    // to its end, waiting for the host in place.
    if (gen) lines.push(`function ${js}(...a) { return rt.drive(${gen}(...a)); }`);
    return lines.join('\n');
  }

  /**
   * The statements of a function or closure: errors leaving it are reported as errors in the call
   * to `name` (ErrorInFunctionCall); a replaced `this` is handed back to the caller.
   */
  private functionBody(ctx: FnCtx, body: readonly string[], name: string): string[] {
    const text = body.join('\n');
    const inner = ctx.writesThis
      ? // Only a replaced `this` is reported (in-place changes to a container need no write-back).
        [
          'const th0 = th;',
          'try {',
          text,
          '} finally {',
          'if (th !== UNBOUND && th !== th0) { rt.dirty = true; rt.newThis = th; }',
          '}',
        ].join('\n')
      : text;
    return ['try {', inner, `} catch (e) { throw rt.inFunction(e, ${this.k(name)}); }`];
  }

  private globalScopeCache: Scope | null = null;

  /** A scope holding only the top-level module aliases (shared by all function bodies). */
  private globalModScope(): Scope {
    if (this.globalScopeCache === null) {
      const s = new Scope(null, new FnCtx(0, 'main', null), true);
      this.globalScopeCache = s;
    }
    return this.globalScopeCache;
  }

  /** Declare a variable in the current scope; returns its JS name. */
  private declare(name: string, constant: boolean, pos: SrcPos, param = false): string {
    const js = `v${++this.counter}`;
    const hoisted = this.scope.topLevel && !param;
    const info: VarInfo = { name, js, constant, owner: this.fn, captured: false, hoisted };
    const max = this.opts.limits.maxVariables;
    // Re-declaring a name in the same block reuses its slot, as in Rhai.
    if (max > 0 && this.scope.countInFunction() + (this.scope.vars.has(name) ? 0 : 1) > max) {
      this.emit(`rt.tooManyVariables(${this.p(pos)});`);
    }
    this.scope.vars.set(name, info);
    if (hoisted) this.fn.hoisted.push(info);
    return js;
  }

  // ---- statements -----------------------------------------------------------------------------

  /**
   * Compile statements into the current buffer; returns the code of the block's value (the last
   * statement's value, or `undefined`).
   */
  private blockBody(stmts: readonly Stmt[], wantValue: boolean): string {
    let value = 'undefined';
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      const last = i === stmts.length - 1;
      if (last && wantValue && s.type === 'ExprStmt') {
        value = this.expr(s.expr);
      } else if (last && wantValue && s.type === 'TryCatch') {
        value = this.tryCatch(s, true);
      } else {
        this.stmt(s);
      }
    }
    return value;
  }

  /** A Rhai block as a JS block (its own scope); returns the value code. */
  private block(b: Block, wantValue: boolean): string {
    const scope = new Scope(this.scope, this.fn, false);
    const inner = this.capture(() => this.withScope(scope, () => this.blockBody(b.body, wantValue)));
    if (scope.evalHere) {
      // What `eval` defined in this block goes out of scope with it.
      const m = `m${++this.counter}`;
      const t = wantValue ? this.temp() : '';
      this.emit(`{ const ${m} = ${this.fn.dfName}.mark(); try {`);
      this.append(inner.stmts);
      if (wantValue) this.emit(`${t} = ${inner.code};`);
      else if (!isLiteralCode(inner.code) && !isIdentCode(inner.code)) this.emit(`${inner.code};`);
      this.emit(`} finally { ${this.fn.dfName}.release(${m}); } }`);
      return wantValue ? t : 'undefined';
    }
    if (scope.vars.size === 0 && scope.mods.size === 0) {
      this.append(inner.stmts);
      return inner.code;
    }
    // Variables go out of scope at the end of the JS block: materialise the value inside it.
    if (!wantValue || isLiteralCode(inner.code)) {
      this.emit('{');
      this.append(inner.stmts);
      if (!isLiteralCode(inner.code) && inner.code !== 'undefined') this.emit(`${inner.code};`);
      this.emit('}');
      return wantValue ? inner.code : 'undefined';
    }
    const t = this.temp();
    this.emit('{');
    this.append(inner.stmts);
    this.emit(`${t} = ${inner.code};`);
    this.emit('}');
    return t;
  }

  private stmt(s: Stmt): void {
    switch (s.type) {
      case 'Noop':
        return;
      case 'ExprStmt': {
        const code = this.expr(s.expr);
        if (!isLiteralCode(code) && !isIdentCode(code)) this.emit(`${code};`);
        return;
      }
      case 'Let': {
        let code = s.init === undefined ? 'undefined' : this.expr(s.init);
        if (s.init !== undefined && mayAlias(s.init)) code = `CL(${code})`;
        const js = this.declare(s.name, s.constant, s.pos);
        const info = this.scope.vars.get(s.name)!;
        if (info.hoisted) this.emit(`${js} = ${code};`);
        else this.emit(`let ${js} = ${code};`);
        if (s.constant && this.scope.topLevel && this.opts.mode === 'script') {
          this.emit(`G.set(${this.k(s.name)}, ${js});`);
        }
        if (s.exported) this.exports.push([s.name, js]);
        return;
      }
      case 'Return': {
        let code = s.value === undefined ? 'undefined' : this.expr(s.value);
        if (s.value !== undefined && mayAlias(s.value) && !this.isOwnedLocal(s.value)) code = `CL(${code})`;
        this.emit(`return ${code};`);
        return;
      }
      case 'Throw': {
        if (s.value === undefined && this.fn.catches.length > 0) {
          this.emit(`throw ${this.fn.catches[this.fn.catches.length - 1]};`);
          return;
        }
        let code = s.value === undefined ? 'undefined' : this.expr(s.value);
        if (s.value !== undefined && mayAlias(s.value)) code = `CL(${code})`;
        this.emit(`throw rt.mkThrow(${code}, ${this.p(s.value?.pos ?? s.pos)});`);
        return;
      }
      case 'Break': {
        const loop = this.fn.loops[this.fn.loops.length - 1];
        if (s.value !== undefined) {
          let code = this.expr(s.value);
          if (mayAlias(s.value)) code = `CL(${code})`;
          this.emit(`${loop.result} = ${code};`);
        }
        this.emit(`break ${loop.label};`);
        return;
      }
      case 'Continue': {
        const loop = this.fn.loops[this.fn.loops.length - 1];
        this.emit(loop.continueLabel ? `break ${loop.continueLabel};` : `continue ${loop.label};`);
        return;
      }
      case 'TryCatch':
        this.tryCatch(s, false);
        return;
      case 'Import': {
        const path = this.expr(s.path);
        const call = `rt.importModule(${path}, ${this.p(s.pos)}, d)`;
        if (s.alias === undefined) {
          this.emit(`${call};`);
          return;
        }
        const js = `m${++this.counter}`;
        if (this.scope.topLevel && this.fn.kind === 'main' && this.opts.mode === 'script') {
          this.globalMods.push(js);
          this.globalModScope().mods.set(s.alias, js);
          this.emit(`${js} = ${call};`);
        } else {
          this.emit(`const ${js} = ${call};`);
        }
        this.scope.mods.set(s.alias, js);
        return;
      }
      case 'Export': {
        for (const item of s.items) {
          const v = this.scope.lookup(item.name, this.fn);
          if (v === undefined) this.fail('VariableUndefined', `Variable not found: ${item.name}`, item.pos);
          this.exports.push([item.alias, v.js]);
        }
        return;
      }
      default:
        unreachable(s, 'statement');
    }
  }

  /** The borrow flag of a variable shared with closures (created on first use). */
  private borrowFlag(v: VarInfo): string {
    if (v.borrowFlag === undefined) {
      v.borrowFlag = `b${++this.counter}`;
      v.owner.borrowFlags.push(v.borrowFlag);
    }
    return v.borrowFlag;
  }

  /**
   * Code lending the variable `root` (a call's receiver or first argument) to the call `code`: when
   * closures share it, its flag is raised for the call (see VarInfo.borrowFlag). Statements are
   * emitted; returns the atom holding the result.
   */
  private lend(root: VarInfo | undefined, code: string): string {
    if (root === undefined || !root.captured || root.owner !== this.fn) return code;
    const flag = this.borrowFlag(root);
    const t = this.temp();
    this.emit(`${flag} = true; try { ${t} = ${code}; } finally { ${flag} = false; }`);
    return t;
  }

  /** A variable local to the current function and not shared with closures (safe to hand out). */
  private isOwnedLocal(e: Expr): boolean {
    if (e.type !== 'Variable' || e.namespace) return false;
    const v = this.scope.lookup(e.name, this.fn);
    return v !== undefined && v.owner === this.fn && !v.captured && this.fn.kind !== 'main';
  }

  private tryCatch(s: TryCatch, wantValue: boolean): string {
    const result = wantValue ? this.temp() : '';
    const err = `e${++this.counter}`;
    this.emit('try {');
    const body = this.block(s.body, wantValue);
    if (wantValue) this.emit(`${result} = ${body};`);
    this.emit(`} catch (${err}x) {`);
    this.emit(`const ${err} = rt.caught(${err}x);`);
    const scope = new Scope(this.scope, this.fn, false);
    this.fn.catches.push(err);
    try {
      this.withScope(scope, () => {
        if (s.catchVar !== undefined) {
          const js = this.declare(s.catchVar, false, s.pos);
          this.emit(`let ${js} = rt.errorValue(${err});`);
        }
        const v = this.blockBody(s.catchBody.body, wantValue);
        if (wantValue) this.emit(`${result} = ${v};`);
      });
    } finally {
      this.fn.catches.pop();
    }
    this.emit('}');
    return wantValue ? result : 'undefined';
  }

  // ---- expressions ----------------------------------------------------------------------------

  private expr(e: Expr): string {
    // Is this node the target of an enclosing `.`/`[]`/method call (see `chainTop`)?
    const asTarget = this.asChainTarget;
    this.asChainTarget = false;
    switch (e.type) {
      case 'IntLit':
        if (typeof e.value === 'bigint') return this.k(e.value);
        return e.value < 0 ? `(${e.value})` : String(e.value);
      case 'FloatLit':
        if (Number.isInteger(e.value) || Object.is(e.value, -0)) return this.k(new RFloat(e.value));
        return e.value < 0 ? `(${e.value})` : String(e.value);
      case 'StringLit':
        return this.k(e.value);
      case 'CharLit':
        return this.k(RChar.fromString(e.value));
      case 'BoolLit':
        return e.value ? 'true' : 'false';
      case 'UnitLit':
        return 'undefined';
      case 'InterpString':
        return this.interp(e.parts, e.pos);
      case 'ArrayLit': {
        const items = this.operands(e.items).map((c, i) => (mayAlias(e.items[i]) ? `CL(${c})` : c));
        const arr = `[${cat(items, ', ')}]`;
        return this.nestedLimits() ? `rt.checkArray(${arr}, ${this.p(e.pos)})` : arr;
      }
      case 'MapLit': {
        const vals = this.operands(e.entries.map((x) => x.value)).map((c, i) =>
          mayAlias(e.entries[i].value) ? `CL(${c})` : c,
        );
        return `rt.mkMap(${this.k(e.entries.map((x) => x.key))}, [${cat(vals, ', ')}], ${this.p(e.pos)})`;
      }
      case 'Variable':
        return this.variable(e.name, e.namespace, e.pos);
      case 'This':
        return `(th === UNBOUND ? rt.unbound(${this.p(e.pos)}) : th)`;
      case 'Unary':
        return this.unary(e);
      case 'Binary':
        return this.binary(e);
      case 'Logical':
        return this.logical(e);
      case 'Index':
        return this.chainTop(e, asTarget, this.indexRead(e));
      case 'Property':
        return this.chainTop(e, asTarget, this.propRead(e));
      case 'Call':
        return this.call(e);
      case 'MethodCall':
        return this.chainTop(e, asTarget, this.methodCall(e));
      case 'Closure':
        return this.closure(e);
      case 'Block':
        return this.block(e, true);
      case 'If':
        return this.ifExpr(e);
      case 'Switch':
        return this.switchExpr(e);
      case 'While':
        return this.whileLoop(e);
      case 'Loop':
        return this.loop(e);
      case 'DoLoop':
        return this.doLoop(e);
      case 'For':
        return this.forLoop(e);
      case 'Assign':
        this.assign(e);
        return 'undefined';
      default:
        return unreachable(e, 'expression');
    }
  }

  /**
   * `a?.b.c`: when a `?.`/`?[` link meets `()`, the rest of its chain is skipped. Links pass the
   * marker SC up the chain; the top of the chain turns it into `()`.
   */
  private chainTop(e: Index | Property | MethodCall, asTarget: boolean, code: string): string {
    if (asTarget || !this.safeChain(e)) return code;
    const t = this.temp();
    return `(${t} = ${code}, ${t} === SC ? undefined : ${t})`;
  }

  /** Some link of the chain ending at `e` is `?.` or `?[`. */
  private safeChain(e: Expr): boolean {
    if (e.type !== 'Index' && e.type !== 'Property' && e.type !== 'MethodCall') return false;
    let cached = this.safeChains.get(e);
    if (cached === undefined) {
      cached =
        (e.type === 'Index' || e.type === 'Property' || e.type === 'MethodCall') &&
        (e.safe || this.safeChain(e.target));
      this.safeChains.set(e, cached);
    }
    return cached;
  }

  /** Compile the target of a chain link (so that it knows it is not the top of its chain). */
  private chainTarget(e: Expr): string[] {
    this.asChainTarget = true;
    try {
      return this.operands([e]);
    } finally {
      this.asChainTarget = false;
    }
  }

  /** `read` guarded for the chain link `e` whose target is the atom `o` (see `chainTop`). */
  private chainLink(e: Index | Property | MethodCall, o: string, read: string): string {
    const below = this.safeChain(e.target);
    if (e.safe) return `(${o} === undefined${below ? ` || ${o} === SC` : ''} ? SC : ${read})`;
    return below ? `(${o} === SC ? SC : ${read})` : read;
  }

  /** Compile operands left to right, materialising earlier ones if a later one needs statements. */
  private operands(es: readonly Expr[]): string[] {
    const n = es.length;
    const codes: string[] = new Array(n);
    // marks[i]: where operand i's statements (if any) start in the output.
    const marks: number[] = new Array(n + 1);
    for (let i = 0; i < n; i++) {
      marks[i] = this.out.length;
      codes[i] = this.expr(es[i]);
    }
    marks[n] = this.out.length;
    let last = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (marks[i + 1] > marks[i]) {
        last = i;
        break;
      }
    }
    // Operands before the last one that needed statements must be evaluated before those
    // statements run: store them in temps right after their own statements (rare; from the last
    // back, so the earlier marks stay valid).
    for (let i = last - 1; i >= 0; i--) {
      if (isLiteralCode(codes[i])) continue;
      const t = this.temp();
      this.out.splice(marks[i + 1], 0, `${t} = ${codes[i]};`);
      codes[i] = t;
    }
    return codes;
  }

  /**
   * Turn operand codes into atoms that can be repeated in a template, preserving evaluation order.
   * Returns the comma-expression prefix and the atoms.
   */
  private atoms(codes: string[], exprs: readonly Expr[]): { pre: string[]; atoms: string[] } {
    const pre: string[] = [];
    const atoms = codes.map((code, i) => {
      if (isLiteralCode(code)) return code;
      if (isIdentCode(code) && exprs.slice(i + 1).every(isPure)) return code;
      const t = this.temp();
      pre.push(`${t} = ${code}`);
      return t;
    });
    return { pre, atoms };
  }

  private seq(pre: string[], body: string): string {
    return pre.length === 0 ? body : `(${cat(pre, ', ')}, ${body})`;
  }

  private variable(name: string, namespace: readonly string[] | undefined, pos: SrcPos): string {
    const P = this.p(pos);
    if (namespace !== undefined) {
      if (
        namespace.length === 1 &&
        namespace[0] === 'global' &&
        this.scope.lookupModule('global') === undefined
      ) {
        return `rt.globalGet(G, ${this.k(name)}, ${P})`;
      }
      return `rt.moduleVar(${this.moduleRef(namespace, pos)}, ${this.k(name)}, ${P})`;
    }
    const v = this.scope.lookup(name, this.fn);
    if (v !== undefined) {
      if (v.shadowable) return `rt.dv(${this.fn.dfName}, ${this.k(name)}, ${v.js})`;
      if (v.owner !== this.fn)
        return `(${this.borrowFlag(v)} ? rt.dataRace(${this.k(name)}, ${this.p(pos)}) : ${v.js})`;
      return v.js;
    }
    return this.dynamicRead(name, pos);
  }

  private dynamicRead(name: string, pos: SrcPos): string {
    if (this.fnNames.has(name)) {
      // Not a declared variable but the name of a script function: a pointer to it, unless the
      // host scope (or eval) has a variable of that name.
      this.markDyn();
      return `rt.dynGetOrFn(${this.fn.dfName}, ${this.fn.dsName}, ${this.k(name)})`;
    }
    if (this.fn.home.kind === 'fn') {
      // In a function, Rhai's optimizer has put the script's and the host's constants in place of
      // their names: look those up when the name is not a variable of the call.
      if (!this.topConstants.has(name)) this.checkStrict(name, pos);
      this.markDyn();
      return `rt.dynGetConst(${this.fn.dfName}, ${this.fn.dsName}, G, ${this.k(name)}, ${this.p(pos)})`;
    }
    this.checkStrict(name, pos);
    this.markDyn();
    return `rt.dynGet(${this.fn.dfName}, ${this.fn.dsName}, ${this.k(name)}, ${this.p(pos)})`;
  }

  private checkStrict(name: string, pos: SrcPos): void {
    if (this.opts.strictVariables && this.opts.mode === 'script' && !this.opts.knownVariables?.has(name)) {
      this.fail('VariableUndefined', `Variable not found: ${name}`, pos);
    }
  }

  private markDyn(): void {
    this.fn.usesDyn = true;
    this.fn.home.usesDyn = true;
  }

  /** JS expression for a module path (`a::b` -> the module object). */
  private moduleRef(path: readonly string[], pos: SrcPos): string {
    const P = this.p(pos);
    const first = path[0];
    const js = this.scope.lookupModule(first);
    let code =
      js !== undefined
        ? `rt.moduleOr(${js}, ${this.k(first)}, ${P})`
        : `rt.hostModule(${this.k(first)}, ${P})`;
    for (let i = 1; i < path.length; i++) code = `rt.subModule(${code}, ${this.k(path[i])}, ${P})`;
    return code;
  }

  private interp(parts: readonly (string | Block)[], pos: SrcPos): string {
    const blocks = parts.filter((p): p is Block => typeof p !== 'string');
    const codes = this.operands(blocks);
    let bi = 0;
    const P = this.p(pos);
    const pieces = parts.map((p) => (typeof p === 'string' ? this.k(p) : `rt.interp(${codes[bi++]}, ${P})`));
    const joined = `(${pieces.length === 1 && typeof parts[0] !== 'string' ? `"" + ${pieces[0]}` : cat(pieces, ' + ')})`;
    return this.opts.limits.maxStringSize > 0 ? `rt.checkString(${joined}, ${P})` : joined;
  }

  private unary(e: Unary): string {
    const [code] = this.operands([e.operand]);
    const { pre, atoms } = this.atoms([code], [e.operand]);
    const a = atoms[0];
    const P = this.p(e.pos);
    switch (e.op) {
      case '-':
        return this.seq(
          pre,
          `(typeof ${a} === "number" && (${a} | 0) === ${a} ? 0 - ${a} : rt.neg(${a}, ${P}))`,
        );
      case '+':
        return this.seq(pre, `rt.plus(${a}, ${P})`);
      case '!':
        if (isBoolExpr(e.operand)) return this.seq(pre, `!${a}`);
        return this.seq(pre, `(typeof ${a} === "boolean" ? !${a} : rt.not(${a}, ${P}))`);
      default:
        return unreachable(e.op, 'operator');
    }
  }

  private binary(e: Binary): string {
    const codes = this.operands([e.left, e.right]);
    const { pre, atoms } = this.atoms(codes, [e.left, e.right]);
    return this.seq(pre, this.binaryTemplate(e.op, atoms[0], atoms[1], e.pos));
  }

  /**
   * The inline fast path + slow-path call for a binary operator on two atoms. The inline path
   * covers int32 operands (small bytecode, so cold code runs fast too); the numeric helpers cover
   * every other number; the runtime covers everything else.
   */
  private binaryTemplate(op: string, a: string, b: string, pos: SrcPos, slowCall?: string): string {
    const P = this.p(pos);
    const la = literalNumber(a);
    const lb = literalNumber(b);
    // Per operand: "is a number" (nothing for a literal) and "is an int32" (nothing for an int32 literal).
    const num = (x: string, l: number | undefined) => (l === undefined ? [`typeof ${x} === "number"`] : []);
    const i32 = (x: string, l: number | undefined) =>
      l !== undefined && isInt32(l) ? [] : [`(${x} | 0) === ${x}`];
    const all = (conds: string[]) => (conds.length > 0 ? conds.join(' && ') : 'true');
    const numCheck = all([...num(a, la), ...num(b, lb)]);
    // typeof first: `|` on an object would call its conversion methods.
    const i32Check = all([...num(a, la), ...num(b, lb), ...i32(a, la), ...i32(b, lb)]);
    // The numeric helpers handle every other number (large INTs, FLOATs, boxed FLOATs) and fall
    // back to the runtime for other types.
    const NUM: Readonly<Record<string, string>> = { add: 'NADD', sub: 'NSUB', mul: 'NMUL', div: 'NDIV' };
    const slow = (name: string) =>
      slowCall ?? (NUM[name] ? `${NUM[name]}(rt, ${a}, ${b}, ${P})` : `rt.${name}(${a}, ${b}, ${P})`);
    // A non-integral FLOAT literal makes the result a FLOAT: returned inline when non-integral
    // (an integral FLOAT must be boxed, which the helper does).
    const floatLit =
      (la !== undefined && !Number.isInteger(la)) || (lb !== undefined && !Number.isInteger(lb));
    // An int32 literal operand: int32 arithmetic inline, everything else in the helper.
    const intLit = (la !== undefined && isInt32(la)) || (lb !== undefined && isInt32(lb));
    // FLOAT results are returned inline when non-integral (integral ones must be boxed).
    const floatPath = (expr: string, t: string, extra = '') =>
      `(${numCheck}${extra} && (${t} = ${expr}, Math.floor(${t}) !== ${t}))`;
    // Two numbers of any kind, one operation: a non-integral result is a FLOAT as it is; an
    // integral one is an INT only from two int32 INTs (`exact`: and within the safe range), else
    // the helper decides (boxed FLOAT, large INT). One type test and one operation for FLOAT and
    // INT alike; V8 drops the floor test where it knows the operands are small integers.
    const numberPair = (assign: string, t: string, exact = '') =>
      `${numCheck} && ((${assign}, Math.floor(${t}) !== ${t}) || (${a} | 0) === ${a} && (${b} | 0) === ${b}${exact})`;
    switch (op) {
      case '+':
      case '-': {
        if (floatLit) {
          const t = this.temp();
          return `(${floatPath(`${a} ${op} ${b}`, t)} ? ${t} : ${slow(ARITH_TEMPLATES[op])})`;
        }
        if (intLit) return `(${i32Check} ? ${a} ${op} ${b} : ${slow(ARITH_TEMPLATES[op])})`;
        const t = this.temp();
        return `(${numberPair(`${t} = ${a} ${op} ${b}`, t)} ? ${t} : ${slow(ARITH_TEMPLATES[op])})`;
      }
      case '*': {
        const t = this.temp();
        if (floatLit) return `(${floatPath(`${a} * ${b}`, t)} ? ${t} : ${slow('mul')})`;
        if (intLit) {
          return `(${i32Check} && (${t} = ${a} * ${b}) <= ${MAX_SAFE} && ${t} >= -${MAX_SAFE} ? ${t} + 0 : ${slow('mul')})`;
        }
        // `t += 0`: an INT product is never -0.
        const exact = ` && ${t} <= ${MAX_SAFE} && ${t} >= -${MAX_SAFE} && (${t} += 0, true)`;
        return `(${numberPair(`${t} = ${a} * ${b}`, t, exact)} ? ${t} : ${slow('mul')})`;
      }
      case '/': {
        const t = this.temp();
        if (floatLit) return `(${floatPath(`${a} / ${b}`, t)} ? ${t} : ${slow('div')})`;
        // Integer division truncates; by zero, and i64::MIN / -1, are for the runtime.
        const guard = lb !== undefined ? (lb === 0 || lb === -1 ? ['false'] : []) : [`${b} !== 0`];
        if (la === undefined) guard.push(`${a} !== -2147483648`);
        const ints = `(${all([i32Check, ...guard])} ? (${a} / ${b}) | 0`;
        if (intLit) return `${ints} : ${slow('div')})`;
        const notInts = ` && (Math.floor(${a}) !== ${a} || Math.floor(${b}) !== ${b})`;
        return `${ints} : ${floatPath(`${a} / ${b}`, t, notInts)} ? ${t} : ${slow('div')})`;
      }
      case '%': {
        const guard = lb !== undefined ? (lb === 0 ? ['false'] : []) : [`${b} !== 0`];
        return `(${all([i32Check, ...guard])} ? (${a} % ${b}) | 0 : ${slow('mod')})`;
      }
      case '&':
      case '|':
      case '^':
        return `(${i32Check} ? (${a} ${op} ${b}) : ${slow(ARITH_TEMPLATES[op])})`;
      case '**':
      case '<<':
      case '>>':
        return slow(ARITH_TEMPLATES[op]);
      // Comparisons are exact between INTs; the runtime compares FLOATs with Rhai's epsilon rule
      // (identical numbers are equal either way).
      case '==':
      case '!=': {
        const ints = all([...i32(a, la), ...i32(b, lb)]);
        const same = `${a} ${op === '==' ? '===' : '!=='} ${b}`;
        return `(${numCheck} && (${ints} || ${a} === ${b}) ? ${same} : rt.${op === '==' ? 'eq' : 'ne'}(${a}, ${b}, ${P}))`;
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return `(${i32Check} ? ${a} ${op} ${b} : rt.${CMP_METHODS[op]}(${a}, ${b}, ${P}))`;
      case 'in':
        return `rt.contains(${b}, ${a}, ${P})`;
      case '!in':
        return `!rt.contains(${b}, ${a}, ${P})`;
      case '..':
        return `rt.range(${a}, ${b}, false, ${P})`;
      case '..=':
        return `rt.range(${a}, ${b}, true, ${P})`;
      default:
        throw new Error(`Unknown operator ${op}`);
    }
  }

  private cond(e: Expr): string {
    const code = this.expr(e);
    return isBoolExpr(e) ? code : `B(${code}, ${this.p(e.pos)})`;
  }

  private logical(e: Logical): string {
    const left = e.op === '??' ? this.expr(e.left) : this.cond(e.left);
    const right = this.capture(() => (e.op === '??' ? this.expr(e.right) : this.cond(e.right)));
    if (right.stmts.length === 0) {
      if (e.op === '??') {
        const t = this.temp();
        return `((${t} = ${left}) !== undefined ? ${t} : ${right.code})`;
      }
      return `(${left} ${e.op} ${right.code})`;
    }
    const t = this.temp();
    this.emit(`${t} = ${left};`);
    const test = e.op === '&&' ? t : e.op === '||' ? `!${t}` : `${t} === undefined`;
    this.emit(`if (${test}) {`);
    this.append(right.stmts);
    this.emit(`${t} = ${right.code};`);
    this.emit('}');
    return t;
  }

  private indexRead(e: Index): string {
    const t = this.capture(() => this.chainTarget(e.target)[0]);
    const ix = this.capture(() => this.expr(e.index));
    // Keep the evaluation order when the index needs statements of its own.
    this.append(t.stmts);
    let tc = t.code;
    if (ix.stmts.length > 0 && !isLiteralCode(tc)) {
      const tt = this.temp();
      this.emit(`${tt} = ${tc};`);
      tc = tt;
    }
    this.append(ix.stmts);
    const { pre, atoms } = this.atoms([tc, ix.code], [e.target, e.index]);
    const [a, i] = atoms;
    return this.seq(pre, this.chainLink(e, a, this.indexTemplate(a, i, e.pos)));
  }

  /**
   * `a[i]`: inline fast paths for an array with an in-bounds index and a map with a string key
   * (helpers are not inlined into large generated functions); the runtime does the rest.
   */
  private indexTemplate(a0: string, i: string, pos: SrcPos): string {
    const a = parenNumber(a0);
    const slow = `rt.index(${a}, ${i}, ${this.p(pos)})`;
    if (i.length <= ATOM_MAX && /^K\[\d+\]$/.test(i)) {
      // A string-literal key: only maps index by it inline.
      return `(${a} instanceof Map ? ${a}.get(${i}) : ${slow})`;
    }
    const lit = i.length <= ATOM_MAX && /^\d+$/.test(i);
    const int = this.intVars.has(i);
    // An array element is never `undefined` in JS unless the index is out of bounds, negative or
    // not an integer (the element `()` is too, and the runtime returns it): one read does the
    // bounds test for us.
    const t = this.temp();
    const idx = lit || int ? '' : `typeof ${i} === "number" && `;
    const map = lit || int ? '' : ` : ${a} instanceof Map && typeof ${i} === "string" ? ${a}.get(${i})`;
    return `(Array.isArray(${a}) && ${idx}(${t} = ${a}[${i}]) !== undefined ? ${t}${map} : ${slow})`;
  }

  /**
   * Store `x` (an atom) at `b[i]` (atoms): inline for an in-bounds array index or a string key of a
   * map, else through the runtime, writing a replaced container (strings, bit-fields) back.
   * With size limits, only scalars are stored inline (containers must be measured).
   */
  private indexStore(b: string, i: string, x: string, pos: SrcPos, writeBack: (v: string) => string): string {
    const P = this.p(pos);
    const tn = this.temp();
    const scalar = this.nestedLimits() ? ` && typeof ${x} !== "object"` : '';
    const mapLimit = this.opts.limits.maxMapSize > 0 ? ` && ${b}.has(${i})` : '';
    const slow = `(${tn} = rt.setIndex(${b}, ${i}, ${x}, ${P})) !== ${b} && ${writeBack(tn)}`;
    if (this.intVars.has(i)) {
      return `(Array.isArray(${b}) && ${i} >= 0 && ${i} < ${b}.length${scalar} ? (${b}[${i}] = ${x}, true) : ${slow})`;
    }
    const arr = `Array.isArray(${b}) && typeof ${i} === "number" && (${i} >>> 0) === ${i} && ${i} < ${b}.length${scalar}`;
    const map = `${b} instanceof Map && typeof ${i} === "string"${mapLimit}${scalar}`;
    return `(${arr} ? (${b}[${i}] = ${x}, true) : ${map} ? (${b}.set(${i}, ${x}), true) : ${slow})`;
  }

  private propRead(e: Property): string {
    const [code] = this.chainTarget(e.target);
    const { pre, atoms } = this.atoms([code], [e.target]);
    const o = atoms[0];
    return this.seq(pre, this.chainLink(e, o, this.propTemplate(o, e.name, e.pos)));
  }

  private propTemplate(o0: string, name: string, pos: SrcPos): string {
    const o = parenNumber(o0);
    const K = this.k(name);
    const P = this.p(pos);
    if (name === 'len') {
      // The built-in `len` getter of arrays, inline (see inlineMethod).
      return `(${o} instanceof Map ? ${o}.get(${K}) : rt.std && ${o} instanceof Array ? (++rt.ops > rt.lim && rt.tick(${P}), ${o}.length) : rt.getProp(${o}, ${K}, ${P}))`;
    }
    return `(${o} instanceof Map ? ${o}.get(${K}) : rt.getProp(${o}, ${K}, ${P}))`;
  }

  // ---- assignment -----------------------------------------------------------------------------

  /** A reference to an assignable expression (variable, `this`, index/property chain). */
  private lref(e: Expr): LRef {
    switch (e.type) {
      case 'Variable': {
        if (e.namespace) this.fail('AssignmentToConstant', `Cannot modify module variable ${e.name}`, e.pos);
        const v = this.scope.lookup(e.name, this.fn);
        if (v !== undefined && v.shadowable) {
          // A variable `eval` created may shadow it (see the eval intrinsic).
          const t = this.temp();
          const tx = this.temp();
          const K = this.k(e.name);
          const DF = this.fn.dfName;
          return {
            pre: [`${t} = rt.dv(${DF}, ${K}, ${v.js})`],
            get: t,
            set: (x) => `(${tx} = ${x}, rt.dset(${DF}, ${K}, ${tx}, ${this.p(e.pos)}) || (${v.js} = ${tx}))`,
          };
        }
        if (v !== undefined && v.owner !== this.fn) {
          // A closure using a variable it shares with its creator: not while the variable is lent.
          const check = `(${this.borrowFlag(v)} && rt.dataRace(${this.k(e.name)}, ${this.p(e.pos)}))`;
          return { pre: [check], get: v.js, set: (x) => `(${v.js} = ${x})` };
        }
        if (v !== undefined) {
          return { pre: [], get: v.js, set: (x) => `(${v.js} = ${x})` };
        }
        const t = this.temp();
        const K = this.k(e.name);
        const P = this.p(e.pos);
        this.checkStrict(e.name, e.pos);
        this.markDyn();
        const { dfName, dsName } = this.fn;
        return {
          pre: [`${t} = rt.dynGet(${dfName}, ${dsName}, ${K}, ${P})`],
          get: t,
          set: (x) => `rt.dynSet(${dfName}, ${dsName}, ${K}, ${x}, ${P})`,
        };
      }
      case 'This': {
        this.fn.writesThis = this.fn.writesThis || this.fn.kind !== 'main';
        return {
          pre: [`(th === UNBOUND && rt.unbound(${this.p(e.pos)}))`],
          get: 'th',
          set: (x) => `(th = ${x})`,
        };
      }
      case 'Index': {
        const base = this.lref(e.target);
        const [ic] = this.operands([e.index]);
        const ti = isLiteralCode(ic) || this.intVars.has(ic) ? ic : this.temp();
        const t = this.temp();
        const pre = [...base.pre];
        if (e.safe) pre.push(GUARD + base.get);
        if (ti !== ic) pre.push(`${ti} = ${ic}`);
        pre.push(`${t} = ${this.indexTemplate(base.get, ti, e.pos)}`);
        return {
          pre,
          get: t,
          set: (x, rare) => {
            if (rare) {
              const tn = this.temp();
              return `((${tn} = rt.setIndex(${base.get}, ${ti}, ${x}, ${this.p(e.pos)})) !== ${base.get} && ${base.set(tn, true)})`;
            }
            const tx = this.temp();
            return `(${tx} = ${x}, ${this.indexStore(base.get, ti, tx, e.pos, (v) => base.set(v, true))})`;
          },
        };
      }
      case 'Property': {
        const base = this.lref(e.target);
        const t = this.temp();
        const tn = this.temp();
        const K = this.k(e.name);
        const P = this.p(e.pos);
        return {
          pre: [
            ...base.pre,
            ...(e.safe ? [GUARD + base.get] : []),
            `${t} = ${this.propTemplate(base.get, e.name, e.pos)}`,
          ],
          get: t,
          set: (x) =>
            `((${tn} = rt.setProp(${base.get}, ${K}, ${x}, ${P})) !== ${base.get} && ${base.set(tn, true)})`,
        };
      }
      default:
        return this.fail('BadInput', 'Invalid assignment target', e.pos);
    }
  }

  /** The root variable of an assignment chain is constant? */
  /**
   * Assigning a constant is a parse error; assigning into one (`C[0] = 1`, `C.x = 1`) is a run-time
   * ErrorAssignmentToConstant, as in Rhai. True when the assignment was replaced by that error.
   */
  private assignsIntoConstant(target: Expr, pos: SrcPos): boolean {
    let root = target;
    while (root.type === 'Index' || root.type === 'Property') root = root.target;
    if (root.type !== 'Variable' || root.namespace) return false;
    const v = this.scope.lookup(root.name, this.fn);
    if (!v?.constant) return false;
    if (root === target) this.fail('AssignmentToConstant', `Cannot modify constant ${root.name}`, pos);
    this.emit(`throw rt.constantError(${this.k(root.name)}, ${this.p(pos)});`);
    return true;
  }

  private assign(e: Assign): void {
    if (this.assignsIntoConstant(e.target, e.target.pos)) return;
    let value = this.expr(e.value);
    if (e.op === '=' && mayAlias(e.value)) value = `CL(${value})`;
    let tv = value;
    if (!isLiteralCode(value) && !isIdentCode(value)) {
      tv = this.temp();
      this.emit(`${tv} = ${value};`);
    }
    const target = e.target;
    if (this.safeChain(target)) {
      // `x?.a = v` does nothing when a `?.`/`?[` link meets `()` (see `emitPre`).
      const label = this.label();
      this.emit(`${label}: {`);
      this.safeLabel = label;
      try {
        this.store(e, tv);
      } finally {
        this.safeLabel = '';
      }
      this.emit('}');
      return;
    }
    this.store(e, tv);
  }

  /**
   * Emit the preparation steps of an assignment target; a `?.`/`?[` link's guard becomes a jump
   * out of the assignment (`safeLabel`) when its target is `()`.
   */
  private emitPre(pre: readonly string[]): void {
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0) this.emit(`${cat(run, ', ')};`);
      run = [];
    };
    for (const part of pre) {
      if (part.startsWith(GUARD)) {
        flush();
        this.emit(`if (${part.slice(GUARD.length)} === undefined) break ${this.safeLabel};`);
      } else {
        run.push(part);
      }
    }
    flush();
  }

  /** The store of an assignment whose value is the atom `tv`. */
  private store(e: Assign, tv: string): void {
    const P = this.p(e.pos);
    const target = e.target;
    if (e.op === '=') {
      if (target.type === 'Index') {
        const base = this.lref(target.target);
        if (target.safe) base.pre.push(GUARD + base.get);
        const [ic] = this.operands([target.index]);
        let ti = ic;
        if (!isLiteralCode(ic) && !isIdentCode(ic)) {
          ti = this.temp();
          base.pre.push(`${ti} = ${ic}`);
        }
        this.emitPre(base.pre);
        this.emit(`${this.indexStore(base.get, ti, tv, e.pos, (v) => base.set(v, true))};`);
        return;
      }
      if (target.type === 'Property') {
        const base = this.lref(target.target);
        if (target.safe) base.pre.push(GUARD + base.get);
        this.emitPre(base.pre);
        const b = base.get;
        const tn = this.temp();
        const K = this.k(target.name);
        const fast = this.nestedLimits()
          ? `${b} instanceof Map && ${b}.has(${K}) && typeof ${tv} !== "object"`
          : `${b} instanceof Map`;
        this.emit(
          `if (${fast}) ${b}.set(${K}, ${tv}); else if ((${tn} = rt.setProp(${b}, ${K}, ${tv}, ${P})) !== ${b}) ${base.set(tn, true)};`,
        );
        return;
      }
      const ref = this.lref(target);
      this.emit(`${this.seq(ref.pre, ref.set(tv))};`);
      return;
    }
    // Compound assignment: read, combine, write back.
    const ref = this.lref(target);
    this.emitPre(ref.pre);
    const cur = ref.get;
    const op = e.op.slice(0, -1);
    const combined =
      op === '+'
        ? this.binaryTemplate('+', cur, tv, e.pos, `NADDA(rt, ${cur}, ${tv}, ${P})`)
        : this.binaryTemplate(op, cur, tv, e.pos);
    this.emit(`${ref.set(combined)};`);
  }

  // ---- calls ----------------------------------------------------------------------------------

  /** A direct call of a script function: delegated to its generator where both may suspend. */
  private direct(script: { js: string; gen?: string }, args: string): string {
    return script.gen !== undefined && this.fn.generator
      ? `(yield* ${script.gen}(${args}))`
      : `${script.js}(${args})`;
  }

  /** Arguments to be stored by the callee: copy values that may alias a variable. */
  private argCodes(args: readonly Expr[], keepFirst: boolean): string[] {
    return this.operands(args).map((c, i) => (mayAlias(args[i]) && !(keepFirst && i === 0) ? `CL(${c})` : c));
  }

  private call(e: Call): string {
    const argc = e.args.length;
    const P = this.p(e.pos);
    if (e.namespace !== undefined) {
      const ns = e.namespace;
      if (ns.length === 1 && ns[0] === 'global' && this.scope.lookupModule('global') === undefined) {
        const script = this.fnTable.get(`${e.name}/${argc}`);
        if (script !== undefined) {
          return this.direct(
            script,
            `d + 1, UNBOUND${this.argCodes(e.args, false)
              .map((a) => `, ${a}`)
              .join('')}`,
          );
        }
        return `rt.call(${this.site(e.name, argc, e.pos)}, [${cat(this.argCodes(e.args, false), ', ')}], F, d)`;
      }
      const suspends = this.fn.generator && mayReachSuspension(ns[0], this.opts.quietModules);
      const mod = this.moduleRef(ns, e.pos);
      const args = this.argCodes(e.args, false);
      const call = `(${mod}, ${this.site(e.name, argc, e.pos, false, ns.join('::'))}, [${cat(args, ', ')}], d)`;
      if (!suspends) return `rt.moduleCall${call}`;
      // A host function's Suspension is yielded to the host, which resumes with its answer; a module
      // function that may suspend runs as a generator delegated to.
      const t = this.temp();
      return `(${t} = rt.moduleCallS${call}, ${t} instanceof SUSP ? ${t}.resume(yield ${t}.request) : ${t} instanceof DLG ? (yield* ${t}.gen) : ${t})`;
    }
    const script = this.fnTable.get(`${e.name}/${argc}`);
    if (script !== undefined) {
      const args = this.argCodes(e.args, false);
      if (!e.capture) return this.direct(script, `d + 1, UNBOUND${args.map((a) => `, ${a}`).join('')}`);
      const { pre, atoms } = this.atoms(args, e.args);
      const r = this.temp();
      return this.seq(
        [
          ...pre,
          `rt.pendingDS = ${this.scopeView()}`,
          `${r} = ${this.direct(script, `d + 1, UNBOUND${atoms.map((a) => `, ${a}`).join('')}`)}`,
          'rt.pendingDS = null',
        ],
        r,
      );
    }
    const intrinsic = INTRINSICS.get(e.name);
    if (intrinsic?.includes(argc)) return this.intrinsic(e);
    if (e.name === 'call' && argc >= 1) {
      const args = this.argCodes(e.args, false);
      const { pre, atoms } = this.atoms(args, e.args);
      const rest = `[${cat(atoms.slice(1), ', ')}]`;
      if (e.capture) {
        const r = this.temp();
        return this.seq(
          [
            ...pre,
            `rt.pendingDS = ${this.scopeView()}`,
            `${r} = rt.callPtr(F, ${atoms[0]}, ${rest}, d, UNBOUND, ${P})`,
            'rt.pendingDS = null',
          ],
          r,
        );
      }
      const first = e.args[1];
      const ref =
        first?.type === 'Variable' && !first.namespace ? this.scope.lookup(first.name, this.fn) : undefined;
      if (ref !== undefined && !ref.constant && !ref.shadowable) {
        // `call(f, x, ...)`: a native `f` gets `x` by reference (as a method receiver would).
        const byRef = this.atoms(
          this.operands(e.args).map((c, i) => (i > 1 && mayAlias(e.args[i]) ? `CL(${c})` : c)),
          e.args,
        );
        const r = this.temp();
        const list = `[${cat(byRef.atoms.slice(1), ', ')}]`;
        return this.seq(
          [...byRef.pre, 'rt.dirty = false', `${r} = rt.callPtrRef(F, ${byRef.atoms[0]}, ${list}, d, ${P})`],
          `(rt.dirty && (${ref.js} = rt.takeThis()), ${r})`,
        );
      }
      return this.seq(pre, `rt.callPtr(F, ${atoms[0]}, ${rest}, d, UNBOUND, ${P})`);
    }
    if (e.name === 'curry' && argc >= 1) {
      const args = this.argCodes(e.args, false);
      return `rt.curry(${args[0]}, [${cat(args.slice(1), ', ')}], ${P})`;
    }
    // A variable holding a function pointer can be called like a function.
    const asVar = this.scope.lookup(e.name, this.fn);
    if (asVar !== undefined) {
      const args = this.argCodes(e.args, false);
      return `rt.callValue(${asVar.js}, ${this.site(e.name, argc, e.pos)}, [${cat(args, ', ')}], F, d)`;
    }
    // Native function: the first argument is passed by reference (like a method receiver).
    const first = e.args[0];
    const firstVar =
      first?.type === 'Variable' && !first.namespace ? this.scope.lookup(first.name, this.fn) : undefined;
    const args = this.argCodes(e.args, true);
    const site = this.site(e.name, argc, e.pos, firstVar?.constant ?? false);
    const callCode = `rt.call(${site}, [${cat(args, ', ')}], F, d)`;
    if (firstVar === undefined || firstVar.constant) return callCode;
    const r = this.temp();
    return this.lend(
      firstVar,
      `(rt.dirty = false, ${r} = ${callCode}, rt.dirty && (${firstVar.js} = rt.takeThis()), ${r})`,
    );
  }

  private intrinsic(e: Call): string {
    const P = this.p(e.pos);
    switch (e.name) {
      case 'print':
        return `rt.print(${this.operands(e.args)[0]})`;
      case 'debug':
        return `rt.debug(${this.operands(e.args)[0]}, ${P})`;
      case 'type_of':
        return `rt.typeOf(${this.expr(e.args[0])})`;
      case 'Fn':
        return `rt.fnPtr(${this.expr(e.args[0])}, F, ${P})`;
      case 'eval': {
        const [code] = this.operands(e.args);
        this.fn.usesEval = true;
        this.fn.home.usesEval = true;
        this.markDyn();
        const r = this.temp();
        // Variables the code defines are created in this block, after everything visible here:
        // from now on they may shadow those (read through the frame first), until the block ends.
        const topLevel = this.scope.topLevel && this.fn.kind === 'main';
        const view = this.scopeView(topLevel ? 'G' : 'null');
        for (const v of this.scope.visible()) v.shadowable = true;
        this.scope.evalHere = true;
        return `(${r} = ${code}, rt.evalCode(${r}, F, G, d, ${view}, ${P}))`;
      }
      case 'is_def_var': {
        const arg = e.args[0];
        if (arg.type === 'StringLit' && this.scope.lookup(arg.value, this.fn) !== undefined) return 'true';
        const names = this.scope.visible().map((v) => v.name);
        const code = this.expr(arg);
        const dyn = this.dynRefs();
        return `rt.isDefVar(${code}, ${this.k(names)}, ${dyn})`;
      }
      case 'is_def_fn': {
        const [n, a] = this.operands(e.args);
        return `rt.isDefFn(F, ${n}, ${a})`;
      }
      case 'is_shared': {
        const arg = e.args[0];
        if (arg.type === 'Variable' && !arg.namespace) {
          const v = this.scope.lookup(arg.name, this.fn);
          if (v !== undefined) return v.captured ? 'true' : 'false';
        }
        const code = this.expr(arg);
        return `(${code}, false)`;
      }
      default:
        throw new Error(`Unknown intrinsic ${e.name}`);
    }
  }

  /** `DF, DS` of the current function when it has a dynamic frame, else `null, null`. */
  private dynRefs(): string {
    const home = this.fn.home;
    if (home.usesDyn || home.usesEval || home.kind === 'main') {
      this.markDyn();
      return `${this.fn.dfName}, ${this.fn.dsName}`;
    }
    return 'null, null';
  }

  /**
   * A run-time view of the variables visible here (for `eval` and `name!(...)` calls); `globals`
   * is the code of the map receiving the constants the callee defines (`G` at the top level).
   */
  private scopeView(globals = 'null'): string {
    this.markDyn();
    const vars = this.scope.visible();
    const names = this.k(vars.map((v) => v.name));
    const consts = this.k(vars.map((v) => v.constant));
    const getter = `() => [${vars.map((v) => v.js).join(', ')}]`;
    const cases = vars
      .map((v, i) => (v.constant ? '' : `case ${i}: ${v.js} = x; break;`))
      .filter((c) => c !== '')
      .join(' ');
    const setter = `(i, x) => { switch (i) { ${cases} } }`;
    return `rt.view(${this.fn.dfName}, ${this.fn.dsName}, ${names}, ${consts}, ${getter}, ${setter}, ${globals})`;
  }

  private methodCall(e: MethodCall): string {
    const argc = e.args.length;
    // Intrinsics usable in method style.
    if (!this.fnTable.has(`${e.name}/${argc}`)) {
      if (e.name === 'type_of' && argc === 0) return `rt.typeOf(${this.expr(e.target)})`;
      if (e.name === 'is_shared' && argc === 0) {
        return this.intrinsic({
          type: 'Call',
          name: 'is_shared',
          args: [e.target],
          capture: false,
          pos: e.pos,
        });
      }
      if ((e.name === 'Fn' || e.name === 'eval') && !this.fnTable.has(`${e.name}/${argc + 1}`)) {
        this.fail('BadInput', `'${e.name}' cannot be called in method-call style`, e.pos);
      }
    }
    const lvalue = isLValue(e.target) && !e.safe;
    let ref: LRef | undefined;
    let recv: string;
    const recvPre: string[] = [];
    let constRecv = false;
    if (lvalue) {
      constRecv = this.isConstRoot(e.target);
      ref = this.lref(e.target);
      recvPre.push(...ref.pre);
      recv = ref.get;
    } else {
      const [code] = this.chainTarget(e.target);
      const a = this.atoms([code], [e.target, ...e.args]);
      recvPre.push(...a.pre);
      recv = a.atoms[0];
    }
    const args = this.argCodes(e.args, false);
    const argAtoms = this.atoms(args, e.args);
    const r = this.temp();
    const script = this.fnTable.get(`${e.name}/${argc}`);
    const site = this.site(e.name, argc, e.pos, constRecv);
    const generic = `rt.callMethod(${site}, [${[recv, ...argAtoms.atoms].join(', ')}], F, d)`;
    let callCode = generic;
    if (script !== undefined) {
      const K = this.k(e.name);
      recv = parenNumber(recv);
      // A constant receiver is passed as a copy: the method cannot change the constant.
      const thisArg = constRecv ? `CL(${recv})` : recv;
      callCode = `(${recv} instanceof Map && ${recv}.get(${K}) instanceof FnPtr ? ${generic} : ${this.direct(script, `d + 1, ${thisArg}${argAtoms.atoms.map((a) => `, ${a}`).join('')}`)})`;
    } else {
      const inline = this.inlineMethod(e.name, recv, argAtoms.atoms, constRecv, e.pos);
      if (inline !== null) callCode = `(${inline} : ${callCode})`;
    }
    let writeBack: string;
    if (ref !== undefined) {
      writeBack = constRecv ? `rt.dirty && rt.constThis(${site})` : `rt.dirty && ${ref.set('rt.takeThis()')}`;
    } else {
      writeBack = 'rt.dirty = false';
    }
    const call = this.seq([...argAtoms.pre, 'rt.dirty = false', `${r} = ${callCode}`, writeBack], r);
    const root = lvalue ? this.rootVar(e.target) : undefined;
    if (root !== undefined && root.captured && root.owner === this.fn && !e.safe) {
      return this.lend(root, this.seq(recvPre, call));
    }
    return this.seq(recvPre, this.chainLink(e, recv, call));
  }

  /**
   * `cond ? value` for the built-in array methods compiled inline (`a.len()`, `a.push(x)` of a
   * scalar): same result, limits and operation count as the native, without the call machinery.
   * Null for other methods.
   */
  private inlineMethod(
    name: string,
    recv0: string,
    args: string[],
    constRecv: boolean,
    pos: SrcPos,
  ): string | null {
    const recv = parenNumber(recv0);
    const count = `++rt.ops > rt.lim && rt.tick(${this.p(pos)})`;
    if (name === 'len' && args.length === 0) {
      return `rt.std && ${recv} instanceof Array ? (${count}, ${recv}.length)`;
    }
    if (name === 'push' && args.length === 1 && !constRecv) {
      const cap = effectiveLimit(this.opts.limits.maxArraySize, HARD_LIMITS.arraySize);
      const [x] = args;
      return `rt.std && ${recv} instanceof Array && typeof ${x} !== "object" && ${recv}.length < ${cap} ? (${count}, ${recv}.push(${x}), undefined)`;
    }
    return null;
  }

  /** The variable an index/property chain is rooted at, if it is a local variable. */
  private rootVar(e: Expr): VarInfo | undefined {
    let root = e;
    while (root.type === 'Index' || root.type === 'Property') root = root.target;
    return root.type === 'Variable' && !root.namespace ? this.scope.lookup(root.name, this.fn) : undefined;
  }

  private isConstRoot(e: Expr): boolean {
    let root = e;
    while (root.type === 'Index' || root.type === 'Property') root = root.target;
    if (root.type === 'Variable' && !root.namespace)
      return this.scope.lookup(root.name, this.fn)?.constant ?? false;
    return false;
  }

  private closure(e: Closure): string {
    const outerFn = this.fn;
    const outerOut = this.out;
    const outerScope = this.scope;
    const ctx = new FnCtx(++this.counter, 'closure', outerFn);
    this.fn = ctx;
    this.scope = new Scope(outerScope, ctx, false);
    this.out = [];
    let params: string[];
    let body: string[];
    try {
      params = e.params.map((name) => this.declare(name, false, e.pos, true));
      let value = this.expr(e.body);
      if (mayAlias(e.body) && !this.isOwnedLocal(e.body)) value = `CL(${value})`;
      this.emit(`return ${value};`);
      body = this.out;
    } finally {
      this.fn = outerFn;
      this.out = outerOut;
      this.scope = outerScope;
    }
    const name = `anon$${++this.anonCounter}`;
    const lines = [`function (d, th${params.map((p) => `, ${p}`).join('')}) {`];
    lines.push(...this.prologue(ctx, e.pos, 1));
    lines.push(...this.functionBody(ctx, body, name));
    lines.push('}');
    return `rt.closure(${this.k(name)}, ${e.params.length}, ${lines.join('\n')}, OWN)`;
  }

  // ---- control flow ---------------------------------------------------------------------------

  private ifExpr(e: If): string {
    const c = this.capture(() => this.cond(e.cond));
    const t = this.capture(() => this.block(e.then, true));
    const o = e.otherwise
      ? this.capture(() => this.expr(e.otherwise as Expr))
      : { code: 'undefined', stmts: [] };
    this.append(c.stmts);
    if (t.stmts.length === 0 && o.stmts.length === 0) {
      return `(${c.code} ? ${t.code} : ${o.code})`;
    }
    const r = this.temp();
    this.emit(`if (${c.code}) {`);
    this.append(t.stmts);
    this.emit(`${r} = ${t.code};`);
    this.emit('} else {');
    this.append(o.stmts);
    this.emit(`${r} = ${o.code};`);
    this.emit('}');
    return r;
  }

  /**
   * Per-iteration operation counting: loops count into a function-local counter (cheap), flushed
   * to the run's counter when it passes a threshold and when the loop ends.
   */
  private opsCheck(cost: number, pos: SrcPos): string {
    this.fn.countsOps = true;
    // `oc = 0`, not `oc = rt.flush(...)`: a counter reset to a constant stays an int32 in V8's
    // optimized loop; assigned a call's result, it is a tagged value the loop must check and often
    // spills (a one-statement loop ran 1.5x slower).
    return `if ((oc += ${cost}) > ${this.flushThreshold()}) { rt.flush(oc, ${this.p(pos)}); oc = 0; }`;
  }

  /** After a loop: hand the local count to the run's counter. */
  private opsFlush(pos: SrcPos): string {
    // No test here: code after a hot loop has no type feedback when V8 compiles the loop (OSR),
    // and a comparison without feedback would deoptimize the function when the loop ends.
    return `rt.flush(oc, ${this.p(pos)}); oc = 0;`;
  }

  /** Array/map size limits apply to nested data: container stores go through the runtime. */
  private nestedLimits(): boolean {
    return this.opts.limits.maxArraySize > 0 || this.opts.limits.maxMapSize > 0;
  }

  private flushThreshold(): number {
    const max = this.opts.limits.maxOperations;
    return max > 0 ? Math.max(1, Math.min(4096, Math.floor(max / 16))) : 4096;
  }

  private withLoop<T>(loop: LoopCtx, f: () => T): T {
    this.fn.loops.push(loop);
    try {
      return f();
    } finally {
      this.fn.loops.pop();
    }
  }

  private whileLoop(e: While): string {
    const label = this.label();
    const result = this.temp();
    this.emit(`${result} = undefined;`);
    this.emit(`${label}: for (;;) {`);
    const c = this.capture(() => this.cond(e.cond));
    this.append(c.stmts);
    this.emit(`if (!${c.code}) break;`);
    // Counted after the test (`continue` comes back through it too): the exit test first keeps
    // V8's loop tight (the count before it costs about a third of a one-statement loop).
    this.emit(this.opsCheck(e.body.body.length + 1, e.pos));
    this.withLoop({ label, result }, () => this.block(e.body, false));
    this.emit('}');
    this.emit(this.opsFlush(e.pos));
    return result;
  }

  private loop(e: Loop): string {
    const label = this.label();
    const result = this.temp();
    this.emit(`${result} = undefined;`);
    this.emit(`${label}: for (;;) {`);
    this.emit(this.opsCheck(e.body.body.length + 1, e.pos));
    this.withLoop({ label, result }, () => this.block(e.body, false));
    this.emit('}');
    this.emit(this.opsFlush(e.pos));
    return result;
  }

  private doLoop(e: DoLoop): string {
    const label = this.label();
    const inner = this.label();
    const result = this.temp();
    this.emit(`${result} = undefined;`);
    this.emit(`${label}: for (;;) {`);
    this.emit(this.opsCheck(e.body.body.length + 1, e.pos));
    this.emit(`${inner}: {`);
    this.withLoop({ label, result, continueLabel: inner }, () => this.block(e.body, false));
    this.emit('}');
    const c = this.capture(() => this.cond(e.cond));
    this.append(c.stmts);
    this.emit(e.until ? `if (${c.code}) break;` : `if (!${c.code}) break;`);
    this.emit('}');
    this.emit(this.opsFlush(e.pos));
    return result;
  }

  /**
   * A `for` loop. Integer ranges (`a..b`, `a..=b`, `range(a, b)`, `range(a, b, step)` with the
   * built-in `range`) run as a JS counting loop when the bounds are safe integers; anything else
   * (bigints, floats, arrays, strings, iterators...) goes through a cursor. Both share one body:
   * the cursor is `null` on the counting path.
   */
  private forLoop(e: For): string {
    const label = this.label();
    const result = this.temp();
    this.emit(`${result} = undefined;`);
    const P = this.p(e.pos);
    const cur = this.temp();
    const x = this.temp();
    const counting = this.countingLoop(e.iterable, cur, P);
    if (counting === null) {
      const [code] = this.operands([e.iterable]);
      this.emit(`${cur} = rt.iterate(${code}, ${mayAlias(e.iterable)}, ${P});`);
    }
    const scope = new Scope(this.scope, this.fn, false);
    this.emit('{');
    this.withScope(scope, () => {
      const v = this.declare(e.name, false, e.pos);
      const c = e.counter !== undefined ? this.declare(e.counter, false, e.pos) : undefined;
      this.emit(`let ${v}${c ? `, ${c}` : ''};`);
      // The iteration counter exists only for a loop that names it.
      const k = `i${++this.counter}`;
      const kInit = c ? `, ${k} = 0` : '';
      const kStep = c ? `, ${k}++` : '';
      if (counting !== null) {
        const i = `i${++this.counter}`;
        const step = counting.step === '1' ? `${i}++` : `${i} += ${counting.step}`;
        this.emit(`${label}: for (let ${i} = ${counting.start}${kInit}; ; ${step}${kStep}) {`);
        this.emit(`if (${cur} === null) { if (!(${counting.test(i)})) break; ${v} = ${i}; }`);
        this.emit(`else { ${x} = ${cur}.next(); if (${x} === DONE) break; ${v} = ${x}; }`);
        // The variable is always an INT here: index fast paths may skip their type checks.
        if (counting.intValues && keepsValue(e.name, e.body)) this.intVars.add(v);
      } else {
        this.emit(c ? `${label}: for (let ${k} = 0; ; ${k}++) {` : `${label}: for (;;) {`);
        this.emit(`${x} = ${cur}.next(); if (${x} === DONE) break; ${v} = ${x};`);
      }
      if (c) this.emit(`${c} = ${k};`);
      this.emit(this.opsCheck(e.body.body.length + 1, e.pos));
      this.withLoop({ label, result }, () => this.block(e.body, false));
      this.emit('}');
    });
    this.emit('}');
    this.emit(this.opsFlush(e.pos));
    return result;
  }

  /**
   * For an integer-range iterable: emits the bounds into temps and `cur = null` when they allow a
   * JS counting loop (else `cur` = a cursor from the general path), and returns the loop's start,
   * step and end test. Null for other iterables.
   */
  private countingLoop(
    it: Expr,
    cur: string,
    P: string,
  ): { start: string; step: string; test: (i: string) => string; intValues: boolean } | null {
    let args: readonly Expr[];
    let fallback: (atoms: string[]) => string;
    let inclusive = false;
    // Extra conditions of the counting path (the built-in `range`, whose call it counts).
    let std = '';
    let count = '';
    if (it.type === 'Binary' && (it.op === '..' || it.op === '..=')) {
      args = [it.left, it.right];
      inclusive = it.op === '..=';
      fallback = ([a, b]) => `rt.range(${a}, ${b}, ${inclusive}, ${P})`;
    } else if (
      it.type === 'Call' &&
      it.name === 'range' &&
      it.namespace === undefined &&
      !it.capture &&
      (it.args.length === 2 || it.args.length === 3) &&
      !this.fnTable.has(`range/${it.args.length}`)
    ) {
      args = it.args;
      std = 'rt.std && ';
      // The counting loop stands for the call of the native: it counts its operation.
      count = ` && (++rt.ops > rt.lim && rt.tick(${P}), true)`;
      const site = this.site('range', args.length, it.pos);
      fallback = (atoms) => `rt.call(${site}, [${cat(atoms, ', ')}], F, d)`;
    } else {
      return null;
    }
    const codes = this.operands(args);
    // An INT literal bound is used as it is and needs no test.
    const isIntLit = (c: string) => {
      const v = literalNumber(c);
      return v !== undefined && Number.isSafeInteger(v) && !c.includes('.') && !c.includes('e');
    };
    const atoms = codes.map((c) => {
      if (isIntLit(c)) return c;
      const t = this.temp();
      this.emit(`${t} = ${c};`);
      return t;
    });
    const [s, en, st] = atoms;
    const tests = atoms.filter((a) => !isIntLit(a));
    const ints =
      tests.length === 0
        ? 'true'
        : tests.map((a) => `typeof ${a} === "number" && Number.isInteger(${a})`).join(' && ');
    if (st === undefined) {
      this.emit(`${cur} = ${std}${ints}${count} ? null : rt.iterate(${fallback(atoms)}, false, ${P});`);
      return { start: s, step: '1', test: (i) => `${i} ${inclusive ? '<=' : '<'} ${en}`, intValues: true };
    }
    // A stepped range: a zero step or bounds near 2^53 take the general path (error / exact bigints).
    const safe = `${st} !== 0 && Math.abs(${s}) + Math.abs(${st}) < ${MAX_SAFE} && Math.abs(${en}) + Math.abs(${st}) < ${MAX_SAFE}`;
    this.emit(
      `${cur} = ${std}${ints} && ${safe}${count} ? null : rt.iterate(${fallback(atoms)}, false, ${P});`,
    );
    return { start: s, step: st, test: (i) => `(${st} > 0 ? ${i} < ${en} : ${i} > ${en})`, intValues: false };
  }

  private switchExpr(e: Switch): string {
    const [subj] = this.operands([e.subject]);
    const s = this.temp();
    const r = this.temp();
    const label = this.label();
    this.emit(`${s} = ${subj}; ${r} = undefined;`);
    this.emit(`${label}: {`);
    const valueCases = e.cases.filter((c) => c.values.length > 0);
    const rangeCases = e.cases.filter((c) => c.ranges.length > 0);
    const caseBody = (c: { guard?: Expr; body: Expr }) => {
      if (c.guard !== undefined) {
        const g = this.capture(() => this.cond(c.guard as Expr));
        this.append(g.stmts);
        this.emit(`if (${g.code}) {`);
      }
      let v = this.expr(c.body);
      if (mayAlias(c.body)) v = `CL(${v})`;
      this.emit(`${r} = ${v};`);
      this.emit(`break ${label};`);
      if (c.guard !== undefined) this.emit('}');
    };
    if (valueCases.length > 0) {
      // One JS case per distinct value, trying that value's cases in order (their conditions).
      const byLabel = new Map<string, (typeof valueCases)[number][]>();
      for (const c of valueCases) {
        for (const v of c.values) {
          const l = this.caseLabel(v);
          const list = byLabel.get(l);
          if (list === undefined) byLabel.set(l, [c]);
          else if (!list.includes(c)) list.push(c);
        }
      }
      this.emit(`switch (rt.switchKey(${s})) {`);
      for (const [l, list] of byLabel) {
        this.emit(`case ${l}: {`);
        for (const c of list) caseBody(c);
        this.emit('break; }');
      }
      this.emit('}');
    }
    if (rangeCases.length > 0) {
      // An integer subject falls in a range; a range subject matches an equal range.
      this.emit(`if (typeof ${s} === "number" && Number.isInteger(${s})) {`);
      for (const c of rangeCases) {
        const test = c.ranges
          .map((rg) => `(${s} >= ${rg.start} && ${s} ${rg.inclusive ? '<=' : '<'} ${rg.end})`)
          .join(' || ');
        this.emit(`if (${test}) {`);
        caseBody(c);
        this.emit('}');
      }
      this.emit(`} else if (rt.typeOf(${s}).startsWith("range")) {`);
      for (const c of rangeCases) {
        const test = c.ranges
          .map((rg) => `rt.eq(${s}, rt.range(${rg.start}, ${rg.end}, ${rg.inclusive}, 0), 0)`)
          .join(' || ');
        this.emit(`if (${test}) {`);
        caseBody(c);
        this.emit('}');
      }
      this.emit('}');
    }
    if (e.defaultCase !== undefined) {
      let v = this.expr(e.defaultCase);
      if (mayAlias(e.defaultCase)) v = `CL(${v})`;
      this.emit(`${r} = ${v};`);
    }
    this.emit('}');
    return r;
  }

  /** The JS `case` label for a constant switch value (same key function as at run time). */
  private caseLabel(v: Expr): string {
    const key = swKey(constValue(v));
    if (typeof key === 'number') return key < 0 ? `(${key})` : String(key);
    if (typeof key === 'boolean') return String(key);
    if (key === undefined) return 'undefined';
    return this.k(key);
  }
}

/** Expressions that can be assigned to / written back through. */
function isLValue(e: Expr): boolean {
  let root = e;
  while (root.type === 'Index' || root.type === 'Property') {
    if (root.safe) return false;
    root = root.target;
  }
  return (root.type === 'Variable' && !root.namespace) || root.type === 'This';
}

/** Evaluate a constant (literal) expression at compile time. */
function constValue(e: Expr): Value {
  switch (e.type) {
    case 'IntLit':
      return e.value;
    case 'FloatLit':
      return Number.isInteger(e.value) || Object.is(e.value, -0) ? new RFloat(e.value) : e.value;
    case 'StringLit':
      return e.value;
    case 'CharLit':
      return RChar.fromString(e.value);
    case 'BoolLit':
      return e.value;
    case 'UnitLit':
      return undefined;
    case 'ArrayLit':
      return e.items.map(constValue);
    case 'MapLit':
      return new Map(e.entries.map((x) => [x.key, constValue(x.value)]));
    default:
      throw RhaiError.parse('ExprExpected', 'Expecting a constant', toPosition(e.pos));
  }
}
