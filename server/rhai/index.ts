/**
 * Public API of the Rhai engine.
 */
export { fromJs, toJs } from './convert.js';
export {
  AST,
  type CompileOptions,
  Engine,
  type EngineOptions,
  type HostModule,
  type ModuleResolver,
  type RunOptions,
} from './engine.js';
export { type ErrorKind, isRhaiError, type ParseErrorKind, type Position, RhaiError } from './errors.js';
export { DEFAULT_LIMITS, type Limits } from './runtime/limits.js';
export type {
  NativeCallContext,
  NativeFn,
  NativeFnDef,
  NativeRegistry,
  ParamType,
} from './runtime/native.js';
export { Scope } from './runtime/scope.js';
export {
  cloneValue,
  debugString,
  displayString,
  FnPtr,
  floatValue,
  isFloat,
  isInt,
  makeFloat,
  makeInt,
  RBlob,
  RChar,
  RCustom,
  RFloat,
  RIterable,
  RRange,
  RTimestamp,
  typeOf,
  UNIT,
  type Value,
  valuesEqual,
} from './runtime/value.js';
export { type RunStep, type SuspendableRun, Suspension } from './suspension.js';
