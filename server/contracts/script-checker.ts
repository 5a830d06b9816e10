/**
 * The compile check the manager runs before saving a script, implemented with the Rhai engine by the
 * executor side.
 */

/** A compile-time problem in a script, with its position. */
export interface ScriptDiagnostic {
  message: string;
  /** 1-based; null when the problem has no position. */
  line: number | null;
  column: number | null;
  /**
   * Machine-readable kind from the engine (e.g. `MissingToken`), or one of the checker's own:
   * `ModuleShape` (a module statement other than `const`, `fn`, `import` or `export`) and
   * `ImportPath` (an `import` whose path is not a string literal).
   */
  kind: string;
}

/** One `import "name" as m;` of a script. */
export interface ScriptImport {
  /** The module name (the string literal). */
  name: string;
  /** 1-based position of the `import` keyword. */
  line: number;
  column: number;
}

/** What the checker finds in a script. */
export interface ScriptAnalysis {
  /** Empty when the script may be saved. */
  diagnostics: ScriptDiagnostic[];
  /** Every import, nested ones included, in source order (empty when the script does not compile). */
  imports: ScriptImport[];
}

/**
 * Module names a script cannot take: the names of the SDK's modules (`kv::get(...)`, `time::now()`),
 * `ctx`, and Rhai's own `global` namespace. A module named like one of them would shadow or be
 * shadowed by it.
 */
export const RESERVED_MODULE_NAMES: ReadonlySet<string> = new Set([
  'kv',
  'secret',
  'http',
  'queue',
  'time',
  'crypto',
  'base64',
  'hex',
  'url',
  'ctx',
  'global',
]);

/** Checks scripts before they are saved. */
export interface ScriptChecker {
  /** Empty when the source compiles (and, for a module, has a module's shape). */
  check(source: string, kind: 'endpoint' | 'module'): ScriptDiagnostic[];
  /** `check` plus the script's imports, which the manager resolves against the app's modules. */
  analyze(source: string, kind: 'endpoint' | 'module'): ScriptAnalysis;
}
