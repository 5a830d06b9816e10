/**
 * Compile-time checks for the manager: a script is saved only if the engine compiles it. Runs in the
 * main thread (compiling is bounded by the parser's own limits and costs no script execution).
 */
import type { ScriptChecker, ScriptDiagnostic } from '../contracts/script-checker.js';
import { Engine, isRhaiError } from '../rhai/index.js';

/** Creates the checker. */
export function createScriptChecker(): ScriptChecker {
  const engine = new Engine();
  return {
    check(source): ScriptDiagnostic[] {
      try {
        engine.compile(source);
        return [];
      } catch (error) {
        if (!isRhaiError(error)) throw error;
        return [
          {
            message: error.message,
            line: error.position?.line ?? null,
            column: error.position?.column ?? null,
            kind: error.parseKind ?? error.kind,
          },
        ];
      }
    },
  };
}
