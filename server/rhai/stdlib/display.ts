/**
 * Text conversions available on every value: `to_string` (what `print` shows) and `to_debug`
 * (what `debug` shows, e.g. strings quoted).
 */
import type { NativeFnDef } from '../runtime/native.js';
import { debugString, displayString } from '../runtime/value.js';
import { checkStringSize, def } from './support.js';

/** The display package. */
export const displayFunctions: readonly NativeFnDef[] = [
  def('to_string', ['any'], (ctx, [v]) =>
    typeof v === 'string' ? v : checkStringSize(ctx, displayString(v)),
  ),
  def('to_debug', ['any'], (ctx, [v]) => checkStringSize(ctx, debugString(v))),
];
