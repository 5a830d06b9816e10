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

/**
 * Ceilings that hold even when a limit is 0 ("unlimited"): past them V8 itself fails — some of its
 * failures ("invalid size", a Map over 2^24 entries) abort the whole process instead of throwing —
 * so the engine refuses first with ErrorDataTooLarge. Shared by the runtime and the stdlib.
 */
export const HARD_LIMITS = Object.freeze({
  /** V8's maximum string length in UTF-16 units (64-bit builds): no longer string can exist. */
  stringLength: 2 ** 29 - 24,
  /**
   * Elements in an array (16 Mi). V8 aborts the process when an array's backing store would grow
   * past about 2^27 elements, and an array of 2^24 distinct values already takes gigabytes.
   */
  arraySize: 2 ** 24,
  /** Bytes in a BLOB (128 MiB). */
  blobSize: 2 ** 27,
  /** Properties in an object map (JS `Map`s fail at 2^24 entries). */
  mapSize: 2 ** 23,
});

/** The effective ceiling: the user's limit when set and lower, else the hard one. */
export function effectiveLimit(limit: number, hard: number): number {
  return limit > 0 && limit < hard ? limit : hard;
}

/**
 * Characters, bytes or copied elements per operation charged for bulk work (string building,
 * copies, comparisons): a native whose work grows with its input counts against `maxOperations`
 * and reaches the deadline check every few thousand operations, like a script's own loop.
 */
export const BYTES_PER_OPERATION = 64;
