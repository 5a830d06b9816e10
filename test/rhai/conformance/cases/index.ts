/** Every conformance chapter table, for tools that replay the suite (fuzzing, mutation). */
import type { ConformanceCase } from '../harness.js';
import { arraysCases } from './arrays.js';
import { assignmentsCases } from './assignments.js';
import { bitFieldsCases } from './bit-fields.js';
import { blobsCases } from './blobs.js';
import { coalesceControlFlowCases } from './coalesce-control-flow.js';
import { commentsCases } from './comments.js';
import { errorsAndExactIntsCases } from './errors-and-exact-ints.js';
import { evalCases } from './eval.js';
import { evalScopingCases } from './eval-scoping.js';
import { floatComparisonCases } from './float-comparison.js';
import { functionNamesAndCallbacksCases } from './function-names-and-callbacks.js';
import { functionPointersAndClosuresCases } from './function-pointers-and-closures.js';
import { functionsCases } from './functions.js';
import { ifSwitchCases } from './if-switch.js';
import { jsonCases } from './json.js';
import { literalsAndNumbersCases } from './literals-and-numbers.js';
import { loopsCases } from './loops.js';
import { methodsAndThisCases } from './methods-and-this.js';
import { modulesImportExportCases } from './modules-import-export.js';
import { objectMapsCases } from './object-maps.js';
import { oopObjectMapsCases } from './oop-object-maps.js';
import { operatorsAndPrecedenceCases } from './operators-and-precedence.js';
import { optionalChainingCases } from './optional-chaining.js';
import { printDebugCases } from './print-debug.js';
import { rangesCases } from './ranges.js';
import { rawStringsCases } from './raw-strings.js';
import { standardLibraryMathCases } from './standard-library-math.js';
import { statementsAndBlocksCases } from './statements-and-blocks.js';
import { stringInterpolationCases } from './string-interpolation.js';
import { stringSlicesCases } from './string-slices.js';
import { stringSubtractionCases } from './string-subtraction.js';
import { stringsAndCharsCases } from './strings-and-chars.js';
import { throwTryCatchCases } from './throw-try-catch.js';
import { timestampsCases } from './timestamps.js';
import { typeConversionsCases } from './type-conversions.js';
import { valuesAndTypesCases } from './values-and-types.js';
import { variablesAndConstantsCases } from './variables-and-constants.js';

/** All chapters, keyed by file name. */
export const allConformanceCases: Readonly<Record<string, readonly ConformanceCase[]>> = {
  arrays: arraysCases,
  'errors-and-exact-ints': errorsAndExactIntsCases,
  'float-comparison': floatComparisonCases,
  'function-names-and-callbacks': functionNamesAndCallbacksCases,
  'optional-chaining': optionalChainingCases,
  'coalesce-control-flow': coalesceControlFlowCases,
  assignments: assignmentsCases,
  'bit-fields': bitFieldsCases,
  blobs: blobsCases,
  comments: commentsCases,
  eval: evalCases,
  'eval-scoping': evalScopingCases,
  'function-pointers-and-closures': functionPointersAndClosuresCases,
  functions: functionsCases,
  'if-switch': ifSwitchCases,
  json: jsonCases,
  'literals-and-numbers': literalsAndNumbersCases,
  loops: loopsCases,
  'methods-and-this': methodsAndThisCases,
  'modules-import-export': modulesImportExportCases,
  'object-maps': objectMapsCases,
  'oop-object-maps': oopObjectMapsCases,
  'operators-and-precedence': operatorsAndPrecedenceCases,
  'print-debug': printDebugCases,
  ranges: rangesCases,
  'raw-strings': rawStringsCases,
  'standard-library-math': standardLibraryMathCases,
  'statements-and-blocks': statementsAndBlocksCases,
  'string-interpolation': stringInterpolationCases,
  'string-slices': stringSlicesCases,
  'string-subtraction': stringSubtractionCases,
  'strings-and-chars': stringsAndCharsCases,
  'throw-try-catch': throwTryCatchCases,
  timestamps: timestampsCases,
  'type-conversions': typeConversionsCases,
  'values-and-types': valuesAndTypesCases,
  'variables-and-constants': variablesAndConstantsCases,
};
