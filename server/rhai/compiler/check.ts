/**
 * The compile-time checks of the code generator, without generating code: assignments to
 * constants, `export` of unknown variables and (in strict mode) undeclared variables. `compile()`
 * runs this pass so scripts are validated immediately, while JavaScript generation waits for the
 * first run (keeping compilation fast for large scripts that are only validated).
 */
import { RhaiError } from '../errors.js';
import {
  type Block,
  type Expr,
  type Script,
  type SrcPos,
  type Stmt,
  toPosition,
  unreachable,
} from '../parser/ast.js';

/** Options of the check pass (same meaning as for the code generator). */
export interface CheckOptions {
  readonly strictVariables?: boolean;
  readonly knownVariables?: ReadonlySet<string>;
  /** Modules the host registered (`name::f`): in strict mode other unimported names are errors. */
  readonly knownModules?: ReadonlySet<string>;
}

interface CheckScope {
  readonly vars: Map<string, boolean>; // name -> constant
  readonly parent: CheckScope | null;
  /** Script function bodies cannot see outer variables. */
  readonly boundary: boolean;
}

/** Run the compile-time checks over a parsed script (throws RhaiError on the first problem). */
export function checkScript(script: Script, options: CheckOptions = {}): void {
  new Checker(options).script(script);
}

class Checker {
  private readonly opts: CheckOptions;
  private scope: CheckScope = { vars: new Map(), parent: null, boundary: true };

  constructor(opts: CheckOptions) {
    this.opts = opts;
  }

  /** Aliases of the script's imports. */
  private modules: ReadonlySet<string> = new Set();
  /** Constants of the script's top level (visible in functions, see the code generator). */
  private topConstants: ReadonlySet<string> = new Set();
  /** Names of the script's functions: a bare name of one is a function pointer, not a variable. */
  private fnNames: ReadonlySet<string> = new Set();

  script(s: Script): void {
    this.fnNames = new Set(s.functions.map((f) => f.name));
    this.modules = new Set(s.imports.flatMap((i) => (i.alias === undefined ? [] : [i.alias])));
    this.topConstants = new Set(s.body.flatMap((st) => (st.type === 'Let' && st.constant ? [st.name] : [])));
    for (const st of s.body) this.stmt(st);
    for (const f of s.functions) {
      this.withScope(true, () => {
        for (const p of f.params) this.scope.vars.set(p, false);
        for (const st of f.body.body) this.stmt(st);
      });
    }
  }

  private withScope(boundary: boolean, f: () => void): void {
    const saved = this.scope;
    this.scope = { vars: new Map(), parent: boundary ? null : saved, boundary };
    try {
      f();
    } finally {
      this.scope = saved;
    }
  }

  private lookup(name: string): boolean | undefined {
    let s: CheckScope | null = this.scope;
    while (s !== null) {
      const c = s.vars.get(name);
      if (c !== undefined) return c;
      s = s.parent;
    }
    return undefined;
  }

  private fail(
    kind: 'AssignmentToConstant' | 'VariableUndefined' | 'ModuleUndefined',
    msg: string,
    pos: SrcPos,
  ): never {
    throw RhaiError.parse(kind, msg, toPosition(pos));
  }

  private block(b: Block): void {
    this.withScope(false, () => {
      for (const st of b.body) this.stmt(st);
    });
  }

  private stmt(s: Stmt): void {
    switch (s.type) {
      case 'Noop':
      case 'Continue':
        return;
      case 'ExprStmt':
        this.expr(s.expr);
        return;
      case 'Let':
        if (s.init) this.expr(s.init);
        this.scope.vars.set(s.name, s.constant);
        return;
      case 'Return':
      case 'Throw':
      case 'Break':
        if (s.value) this.expr(s.value);
        return;
      case 'TryCatch':
        this.block(s.body);
        this.withScope(false, () => {
          if (s.catchVar !== undefined) this.scope.vars.set(s.catchVar, false);
          for (const st of s.catchBody.body) this.stmt(st);
        });
        return;
      case 'Import':
        this.expr(s.path);
        return;
      case 'Export':
        for (const item of s.items) {
          if (this.lookup(item.name) === undefined) {
            this.fail('VariableUndefined', `Variable not found: ${item.name}`, item.pos);
          }
        }
        return;
      default:
        unreachable(s, 'statement');
    }
  }

  private exprs(es: readonly Expr[]): void {
    for (const e of es) this.expr(e);
  }

  private expr(e: Expr): void {
    switch (e.type) {
      case 'IntLit':
      case 'FloatLit':
      case 'StringLit':
      case 'CharLit':
      case 'BoolLit':
      case 'UnitLit':
      case 'This':
        return;
      case 'InterpString':
        for (const p of e.parts) if (typeof p !== 'string') this.block(p);
        return;
      case 'ArrayLit':
        this.exprs(e.items);
        return;
      case 'MapLit':
        for (const x of e.entries) this.expr(x.value);
        return;
      case 'Variable':
        if (e.namespace !== undefined) this.strictModule(e.namespace[0], e.pos);
        if (
          !e.namespace &&
          this.lookup(e.name) === undefined &&
          !this.fnNames.has(e.name) &&
          !this.topConstants.has(e.name)
        )
          this.strict(e.name, e.pos);
        return;
      case 'Unary':
        this.expr(e.operand);
        return;
      case 'Binary':
      case 'Logical':
        this.expr(e.left);
        this.expr(e.right);
        return;
      case 'Index':
        this.expr(e.target);
        this.expr(e.index);
        return;
      case 'Property':
        this.expr(e.target);
        return;
      case 'Call':
        if (e.namespace !== undefined) this.strictModule(e.namespace[0], e.pos);
        this.exprs(e.args);
        return;
      case 'MethodCall':
        this.expr(e.target);
        this.exprs(e.args);
        return;
      case 'Closure':
        this.withScope(false, () => {
          for (const p of e.params) this.scope.vars.set(p, false);
          this.expr(e.body);
        });
        return;
      case 'Block':
        this.block(e);
        return;
      case 'If':
        this.expr(e.cond);
        this.block(e.then);
        if (e.otherwise) this.expr(e.otherwise);
        return;
      case 'Switch':
        this.expr(e.subject);
        for (const c of e.cases) {
          if (c.guard) this.expr(c.guard);
          this.expr(c.body);
        }
        if (e.defaultCase) this.expr(e.defaultCase);
        return;
      case 'While':
      case 'DoLoop':
        this.expr(e.cond);
        this.block(e.body);
        return;
      case 'Loop':
        this.block(e.body);
        return;
      case 'For':
        this.expr(e.iterable);
        this.withScope(false, () => {
          this.scope.vars.set(e.name, false);
          if (e.counter !== undefined) this.scope.vars.set(e.counter, false);
          for (const st of e.body.body) this.stmt(st);
        });
        return;
      case 'Assign': {
        this.expr(e.value);
        let root = e.target;
        while (root.type === 'Index' || root.type === 'Property') {
          if (root.type === 'Index') this.expr(root.index);
          root = root.target;
        }
        if (root.type === 'Variable' && !root.namespace) {
          const constant = this.lookup(root.name);
          // Only assigning the constant itself is a parse error (into it is a run-time error).
          if (constant === true && root === e.target)
            this.fail('AssignmentToConstant', `Cannot modify constant ${root.name}`, e.target.pos);
          if (constant === undefined) this.strict(root.name, root.pos);
        }
        return;
      }
      default:
        unreachable(e, 'expression');
    }
  }

  /** In strict mode a module path must start with an import alias, a host module or `global`. */
  private strictModule(name: string, pos: SrcPos): void {
    if (!this.opts.strictVariables || name === 'global' || this.modules.has(name)) return;
    if (this.opts.knownModules?.has(name)) return;
    this.fail('ModuleUndefined', `Module not found: ${name}`, pos);
  }

  private strict(name: string, pos: SrcPos): void {
    if (this.opts.strictVariables && !this.opts.knownVariables?.has(name)) {
      this.fail('VariableUndefined', `Variable not found: ${name}`, pos);
    }
  }
}
