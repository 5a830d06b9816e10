/**
 * Errors raised by the Rhai engine: one class, `RhaiError`, tagged with Rhai's error kind names so
 * scripts (`try/catch`) and hosts can tell failures apart without string matching.
 */
import type { Value } from './runtime/value.js';

/** A 1-based line/column location in a script. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * A position as the engine passes it around internally: a `Position`, or a packed source position
 * number (see `srcPos` in parser/ast.ts) that is only unpacked when an error is created.
 */
export type PositionLike = Position | number;

/** Unpack a packed position (`line * 1024 + column`, or the negative wide form). */
export function toPositionObject(p: PositionLike | null | undefined): Position | null {
  if (p === null || p === undefined) return null;
  if (typeof p !== 'number') return p;
  if (p >= 0) return { line: Math.floor(p / 1024), column: p % 1024 };
  const w = -p;
  return { line: Math.floor(w / 4194304), column: w % 4194304 };
}

/** Runtime error kinds, named after Rhai's `EvalAltResult` variants. */
export type ErrorKind =
  | 'ErrorParsing'
  | 'ErrorVariableExists'
  | 'ErrorForbiddenVariable'
  | 'ErrorVariableNotFound'
  | 'ErrorPropertyNotFound'
  | 'ErrorIndexNotFound'
  | 'ErrorFunctionNotFound'
  | 'ErrorModuleNotFound'
  | 'ErrorInFunctionCall'
  | 'ErrorInModule'
  | 'ErrorUnboundThis'
  | 'ErrorMismatchDataType'
  | 'ErrorMismatchOutputType'
  | 'ErrorIndexingType'
  | 'ErrorArrayBounds'
  | 'ErrorStringBounds'
  | 'ErrorBitFieldBounds'
  | 'ErrorFor'
  | 'ErrorDataRace'
  | 'ErrorNonPureMethodCallOnConstant'
  | 'ErrorAssignmentToConstant'
  | 'ErrorDotExpr'
  | 'ErrorArithmetic'
  | 'ErrorTooManyOperations'
  | 'ErrorTooManyVariables'
  | 'ErrorTooManyModules'
  | 'ErrorStackOverflow'
  | 'ErrorDataTooLarge'
  | 'ErrorTerminated'
  | 'ErrorRuntime';

/** Parse error kinds, named after Rhai's `ParseErrorType` variants. */
export type ParseErrorKind =
  | 'UnexpectedEOF'
  | 'BadInput'
  | 'UnknownOperator'
  | 'MissingToken'
  | 'MissingSymbol'
  | 'MalformedCallExpr'
  | 'MalformedIndexExpr'
  | 'MalformedInExpr'
  | 'MalformedCapture'
  | 'DuplicatedProperty'
  | 'DuplicatedSwitchCase'
  | 'DuplicatedVariable'
  | 'WrongSwitchIntegerCase'
  | 'WrongSwitchDefaultCase'
  | 'WrongSwitchCaseCondition'
  | 'PropertyExpected'
  | 'VariableExpected'
  | 'ForbiddenVariable'
  | 'Reserved'
  | 'MismatchedType'
  | 'ExprExpected'
  | 'WrongDocComment'
  | 'WrongFnDefinition'
  | 'FnDuplicatedDefinition'
  | 'FnMissingName'
  | 'FnMissingParams'
  | 'FnDuplicatedParam'
  | 'FnMissingBody'
  | 'WrongExport'
  | 'AssignmentToConstant'
  | 'AssignmentToInvalidLHS'
  | 'VariableExists'
  | 'VariableUndefined'
  | 'ModuleUndefined'
  | 'ExprTooDeep'
  | 'LiteralTooLarge'
  | 'LoopBreak'
  | 'TooManyFunctions';

/** The one error type thrown by the engine and by native functions. */
export class RhaiError extends Error {
  /** Which kind of failure (Rhai's name). */
  readonly kind: ErrorKind;
  /** Where it happened, when known. Natives may leave it null; the engine fills in the call site. */
  position: Position | null;
  /** For `ErrorRuntime` raised by `throw`: the thrown value. */
  value?: Value;
  /** For `ErrorParsing`: the parse error kind. */
  parseKind?: ParseErrorKind;
  /** Name of the source (file/module) when known, used by `format`. */
  sourceName?: string;
  /** Extra fields (function signature, variable name...) exposed to `catch` as map entries. */
  details?: Record<string, Value>;
  /** The underlying error, for errors wrapping another (ErrorInFunctionCall, ErrorInModule). */
  inner?: RhaiError;

  /**
   * The error that started it all: for ErrorInFunctionCall (an error leaving a script function or
   * `eval`), the innermost error it wraps, which is what to classify a failure by; else this error.
   */
  get rootCause(): RhaiError {
    let e: RhaiError = this;
    while (e.inner !== undefined && e.kind === 'ErrorInFunctionCall') e = e.inner;
    return e;
  }

  constructor(kind: ErrorKind, message: string, position?: PositionLike | null, value?: Value) {
    super(message);
    this.name = 'RhaiError';
    this.kind = kind;
    this.position = toPositionObject(position);
    if (value !== undefined || kind === 'ErrorRuntime') this.value = value;
  }

  /** A parse error of the given kind. */
  static parse(parseKind: ParseErrorKind, message: string, position?: PositionLike | null): RhaiError {
    const e = new RhaiError('ErrorParsing', message, position);
    e.parseKind = parseKind;
    return e;
  }

  /** Arithmetic failure: overflow, division by zero, bad shift... */
  static arithmetic(message: string, position?: PositionLike | null): RhaiError {
    return new RhaiError('ErrorArithmetic', message, position);
  }

  /** Wrong data type for an operation. */
  static mismatch(message: string, position?: PositionLike | null): RhaiError {
    return new RhaiError('ErrorMismatchDataType', message, position);
  }

  /** A value grew beyond a configured limit: `what` is e.g. "Length of string", "Size of array". */
  static tooLarge(what: string, position?: PositionLike | null): RhaiError {
    return new RhaiError('ErrorDataTooLarge', `${what} too large`, position);
  }

  /** A generic runtime error carrying a value, as `throw` produces. */
  static runtime(value: Value, message?: string, position?: PositionLike | null): RhaiError {
    return new RhaiError('ErrorRuntime', message ?? String(value ?? ''), position, value);
  }

  /** Fill in the position if not known yet (natives usually throw without one). */
  at(position: PositionLike | null | undefined): this {
    if (this.position === null && position !== null && position !== undefined) {
      this.position = toPositionObject(position);
    }
    return this;
  }

  /**
   * Human-readable form: `line 3, column 5: message`, and when the source is given, the source
   * line with a caret under the column.
   */
  format(source?: string): string {
    const where = this.position ? `line ${this.position.line}, column ${this.position.column}: ` : '';
    const prefix = this.sourceName ? `${this.sourceName}: ` : '';
    let out = `${prefix}${where}${this.message}`;
    if (source !== undefined && this.position) {
      const line = source.split(/\r?\n/)[this.position.line - 1];
      if (line !== undefined) {
        const caretPad = ' '.repeat(Math.max(0, this.position.column - 1));
        out += `\n${line}\n${caretPad}^`;
      }
    }
    return out;
  }
}

/** True for an error raised by the engine (as opposed to a host bug). */
export function isRhaiError(e: unknown): e is RhaiError {
  return e instanceof RhaiError;
}
