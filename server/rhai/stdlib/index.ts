/**
 * The Rhai standard library: every package's native functions, installed by the Engine unless
 * it is created with `noStdlib`.
 */
import type { NativeFnDef, NativeRegistry } from '../runtime/native.js';
import type { ValueWork } from '../runtime/runtime.js';
import { arrayFunctions } from './array.js';
import { bitFieldFunctions } from './bit-field.js';
import { blobFunctions } from './blob.js';
import { charFunctions } from './char.js';
import { coreFunctions } from './core.js';
import { copyValue, deepEqual } from './deep.js';
import { displayFunctions } from './display.js';
import { fnPtrFunctions } from './fn-ptr.js';
import { formatDebug, formatDisplay } from './format.js';
import { jsonFunctions } from './json.js';
import { mapFunctions } from './map.js';
import { mathFunctions } from './math.js';
import { rangeFunctions } from './range.js';
import { stringFunctions } from './string.js';
import { timeFunctions } from './time.js';

export {
  arrayFunctions,
  bitFieldFunctions,
  blobFunctions,
  charFunctions,
  coreFunctions,
  displayFunctions,
  fnPtrFunctions,
  jsonFunctions,
  mapFunctions,
  mathFunctions,
  rangeFunctions,
  stringFunctions,
  timeFunctions,
};

/** The packages, by name (for documentation and selective installation). */
export const standardPackages: Readonly<Record<string, readonly NativeFnDef[]>> = {
  math: mathFunctions,
  bitField: bitFieldFunctions,
  string: stringFunctions,
  char: charFunctions,
  array: arrayFunctions,
  map: mapFunctions,
  blob: blobFunctions,
  range: rangeFunctions,
  time: timeFunctions,
  json: jsonFunctions,
  display: displayFunctions,
  core: coreFunctions,
  fnPtr: fnPtrFunctions,
};

/** Every standard-library function, in package order. */
export function standardLibrary(): readonly NativeFnDef[] {
  return Object.values(standardPackages).flat();
}

/** Register the whole standard library into an engine's function table. */
export function registerStandardLibrary(registry: NativeRegistry): void {
  for (const fn of standardLibrary()) registry.register(fn);
}

/**
 * The runtime's work on whole values (interpolation, `print`, `let b = a`, `==`, `+`) done by the
 * library's charged, non-recursive walks, so it counts against the limits and meets the deadline.
 */
export const STANDARD_VALUE_WORK: ValueWork = {
  display: formatDisplay,
  debug: formatDebug,
  copy: copyValue,
  equal: deepEqual,
};
