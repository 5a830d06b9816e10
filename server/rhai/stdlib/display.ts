/**
 * Text conversions available on every value: `to_string` (what `print` shows) and `to_debug`
 * (what `debug` shows, e.g. strings quoted). Built without recursion and within the size limits,
 * however big or deeply nested the value (see format.ts).
 */
import type { NativeFnDef } from '../runtime/native.js';
import { formatDebug, formatDisplay } from './format.js';
import { def } from './support.js';

/** The display package. */
export const displayFunctions: readonly NativeFnDef[] = [
  def('to_string', ['any'], (ctx, [v]) => formatDisplay(ctx, v)),
  def('to_debug', ['any'], (ctx, [v]) => formatDebug(ctx, v)),
];
