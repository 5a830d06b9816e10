/** Sandbox limits an Engine enforces (0 means unlimited, as in Rhai). */
export interface Limits {
  /** Maximum operations per run (statements, loop iterations, calls...). */
  maxOperations: number;
  /** Maximum nesting of function calls. */
  maxCallLevels: number;
  /** Maximum expression nesting at global level (checked when parsing). */
  maxExprDepth: number;
  /** Maximum expression nesting inside functions (checked when parsing). */
  maxFunctionExprDepth: number;
  /** Maximum length of a string, in characters. */
  maxStringSize: number;
  /** Maximum number of elements in an array (and bytes in a blob). */
  maxArraySize: number;
  /** Maximum number of properties in an object map. */
  maxMapSize: number;
  /** Maximum number of variables alive in one scope chain. */
  maxVariables: number;
  /** Maximum number of functions a script may define. */
  maxFunctions: number;
  /** Maximum number of modules a run may import. */
  maxModules: number;
}

/** Defaults: Rhai's call-stack and expression-depth defaults; everything else unlimited. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxOperations: 0,
  maxCallLevels: 64,
  maxExprDepth: 64,
  maxFunctionExprDepth: 32,
  maxStringSize: 0,
  maxArraySize: 0,
  maxMapSize: 0,
  maxVariables: 0,
  maxFunctions: 0,
  maxModules: 0,
});

/** Merge user limits over the defaults. */
export function resolveLimits(partial?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}
