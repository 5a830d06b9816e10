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
import { type Script, type Stmt, toPosition, unreachable } from '../rhai/parser/ast.js';

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
    return { diagnostics, imports: collectImports(script, diagnostics) };
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

/**
 * The script's imports (the parser lists every one, wherever it stands). A path that is not a string
 * literal cannot be resolved on save, so it is refused.
 */
function collectImports(script: Script, diagnostics: ScriptDiagnostic[]): ScriptImport[] {
  const imports: ScriptImport[] = [];
  for (const stmt of script.imports) {
    const { line, column } = toPosition(stmt.pos);
    if (stmt.path.type === 'StringLit') {
      imports.push({ name: stmt.path.value, line, column });
    } else {
      diagnostics.push({
        message: 'An import must name its module with a string literal, e.g. import "utils" as u;',
        line,
        column,
        kind: 'ImportPath',
      });
    }
  }
  return imports;
}
