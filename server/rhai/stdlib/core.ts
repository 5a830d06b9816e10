/**
 * Language-level functions that work on any value.
 */
import type { NativeFnDef } from '../runtime/native.js';
import { def } from './support.js';

/** The core package. */
export const coreFunctions: readonly NativeFnDef[] = [
  // `take(x)` moves the value out of a variable without copying it, leaving `()` behind.
  def(
    'take',
    ['any'],
    (ctx, [v]) => {
      ctx.setThis(undefined);
      return v;
    },
    true,
  ),
];
