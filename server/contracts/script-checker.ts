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
  /** Machine-readable kind from the engine (e.g. `MissingToken`). */
  kind: string;
}

/** Checks scripts before they are saved. */
export interface ScriptChecker {
  /** Empty when the source compiles. */
  check(source: string, kind: 'endpoint' | 'module'): ScriptDiagnostic[];
}
