/**
 * Function-pointer properties: the target name and whether it is an anonymous function.
 * (`call` and `curry` need the engine's calling machinery and are provided by the core.)
 */
import type { NativeFnDef } from '../runtime/native.js';
import type { FnPtr } from '../runtime/value.js';
import { defWithGetter } from './support.js';

/** The function-pointer package. */
export const fnPtrFunctions: readonly NativeFnDef[] = [
  ...defWithGetter('name', 'fnptr', (_ctx, [f]) => (f as FnPtr).name),
  ...defWithGetter('is_anonymous', 'fnptr', (_ctx, [f]) => (f as FnPtr).isAnonymous),
];
