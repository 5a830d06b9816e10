/**
 * Compile-time checks for the manager: a script is saved only if the engine compiles it, and a module
 * only if it has a module's shape (constants, functions, imports). Also lists every `import` so the
 * manager can resolve them against the app's modules. Runs in the main thread (compiling is bounded by
 * the parser's own limits and costs no script execution).
 */
import type {
  ScriptAnalysis,
  ScriptChecker,
  ScriptDiagnostic,
  ScriptImport,
} from '../contracts/script-checker.js';
import { Engine, isRhaiError } from '../rhai/index.js';
import {
  type Block,
  type Expr,
  type Script,
  type Stmt,
  toPosition,
  unreachable,
} from '../rhai/parser/ast.js';

/** Creates the checker. */
export function createScriptChecker(): ScriptChecker {
  const engine = new Engine();
  const analyze = (source: string, kind: 'endpoint' | 'module'): ScriptAnalysis => {
    let script: Script;
    try {
      script = engine.compile(source).script;
    } catch (error) {
      if (!isRhaiError(error)) throw error;
      return {
        diagnostics: [
          {
            message: error.message,
            line: error.position?.line ?? null,
            column: error.position?.column ?? null,
            kind: error.parseKind ?? error.kind,
          },
        ],
        imports: [],
      };
    }
    const diagnostics = kind === 'module' ? moduleShape(script) : [];
    const imports: ScriptImport[] = [];
    new ImportCollector(imports, diagnostics).script(script);
    return { diagnostics, imports };
  };
  return {
    analyze,
    check: (source, kind) => analyze(source, kind).diagnostics,
  };
}

/** What a top-level statement is, for the shape message. */
function describeStatement(stmt: Stmt): string | null {
  switch (stmt.type) {
    case 'Let':
      return stmt.constant ? null : `a variable (\`let ${stmt.name}\`; use \`const\`)`;
    case 'Import':
    case 'Export':
    case 'Noop':
      return null;
    case 'ExprStmt':
      return 'an expression';
    case 'Return':
      return 'a `return`';
    case 'Throw':
      return 'a `throw`';
    case 'Break':
      return 'a `break`';
    case 'Continue':
      return 'a `continue`';
    case 'TryCatch':
      return 'a `try` block';
    default:
      return unreachable(stmt, 'statement');
  }
}

/**
 * The seeds' shape rule: a module's top level holds only `const` (exported or not), `fn` (private
 * ones too), `import` and `export`; anything else would run code merely by being imported.
 */
function moduleShape(script: Script): ScriptDiagnostic[] {
  const diagnostics: ScriptDiagnostic[] = [];
  for (const stmt of script.body) {
    const what = describeStatement(stmt);
    if (what === null) continue;
    const { line, column } = toPosition(stmt.pos);
    diagnostics.push({
      message: `A module may hold only constants, functions and imports at top level, not ${what}`,
      line,
      column,
      kind: 'ModuleShape',
    });
  }
  return diagnostics;
}

/** Walks a whole script (function bodies, closures and `${}` blocks included) for `import`. */
class ImportCollector {
  constructor(
    private readonly imports: ScriptImport[],
    private readonly diagnostics: ScriptDiagnostic[],
  ) {}

  script(script: Script): void {
    this.stmts(script.body);
    for (const fn of script.functions) this.block(fn.body);
  }

  private stmts(stmts: readonly Stmt[]): void {
    for (const stmt of stmts) this.stmt(stmt);
  }

  private block(block: Block): void {
    this.stmts(block.body);
  }

  private stmt(stmt: Stmt): void {
    switch (stmt.type) {
      case 'Import': {
        const { line, column } = toPosition(stmt.pos);
        if (stmt.path.type === 'StringLit') {
          this.imports.push({ name: stmt.path.value, line, column });
        } else {
          this.diagnostics.push({
            message: 'An import must name its module with a string literal, e.g. import "utils" as u;',
            line,
            column,
            kind: 'ImportPath',
          });
          this.expr(stmt.path);
        }
        return;
      }
      case 'Let':
        if (stmt.init) this.expr(stmt.init);
        return;
      case 'ExprStmt':
        this.expr(stmt.expr);
        return;
      case 'Return':
      case 'Throw':
      case 'Break':
        if (stmt.value) this.expr(stmt.value);
        return;
      case 'TryCatch':
        this.block(stmt.body);
        this.block(stmt.catchBody);
        return;
      case 'Export':
      case 'Noop':
      case 'Continue':
        return;
      default:
        unreachable(stmt, 'statement');
    }
  }

  private exprs(exprs: readonly Expr[]): void {
    for (const expr of exprs) this.expr(expr);
  }

  private expr(expr: Expr): void {
    switch (expr.type) {
      case 'IntLit':
      case 'FloatLit':
      case 'StringLit':
      case 'CharLit':
      case 'BoolLit':
      case 'UnitLit':
      case 'Variable':
      case 'This':
        return;
      case 'InterpString':
        for (const part of expr.parts) if (typeof part !== 'string') this.block(part);
        return;
      case 'ArrayLit':
        this.exprs(expr.items);
        return;
      case 'MapLit':
        for (const entry of expr.entries) this.expr(entry.value);
        return;
      case 'Unary':
        this.expr(expr.operand);
        return;
      case 'Binary':
      case 'Logical':
        this.expr(expr.left);
        this.expr(expr.right);
        return;
      case 'Index':
        this.expr(expr.target);
        this.expr(expr.index);
        return;
      case 'Property':
        this.expr(expr.target);
        return;
      case 'Call':
        this.exprs(expr.args);
        return;
      case 'MethodCall':
        this.expr(expr.target);
        this.exprs(expr.args);
        return;
      case 'Closure':
        this.expr(expr.body);
        return;
      case 'Block':
        this.block(expr);
        return;
      case 'If':
        this.expr(expr.cond);
        this.block(expr.then);
        if (expr.otherwise) this.expr(expr.otherwise);
        return;
      case 'Switch':
        this.expr(expr.subject);
        for (const c of expr.cases) {
          this.exprs(c.values);
          if (c.guard) this.expr(c.guard);
          this.expr(c.body);
        }
        if (expr.defaultCase) this.expr(expr.defaultCase);
        return;
      case 'While':
      case 'DoLoop':
        this.expr(expr.cond);
        this.block(expr.body);
        return;
      case 'Loop':
        this.block(expr.body);
        return;
      case 'For':
        this.expr(expr.iterable);
        this.block(expr.body);
        return;
      case 'Assign':
        this.expr(expr.target);
        this.expr(expr.value);
        return;
      default:
        unreachable(expr);
    }
  }
}
