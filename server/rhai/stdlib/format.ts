/**
 * `to_string` / `to_debug` text of any value, with the same output as the engine's
 * `displayString` / `debugString`, built safely: the walk of {@link addDebug} (no JS stack overflow
 * however deep the data, strings escaped in bulk) into a {@link StringBuilder} (size limits checked
 * before allocating, operations charged as it goes).
 */
import type { NativeCallContext } from '../runtime/native.js';
import { debugString, displayString, FnPtr, RBlob, type Value } from '../runtime/value.js';
import { addDebug, isContainer } from '../runtime/value-text.js';
import { StringBuilder } from './builder.js';
import { checkStringSize } from './support.js';

/** Elements, properties and curried arguments in a value small enough for the direct path. */
const SMALL_ITEMS = 64;
/** String units (and twice the BLOB bytes) in a value small enough for the direct path. */
const SMALL_TEXT = 1024;

/**
 * What is left of `budget` (items; text units counted per 16) after `v`, or -1 when `v` is
 * bigger. Recursion is bounded: every level uses up at least one item of a small budget.
 */
function smallBudgetLeft(v: Value, budget: number): number {
  if (typeof v === 'string') return budget - (v.length >> 4);
  if (typeof v !== 'object') return budget;
  let left = budget;
  if (Array.isArray(v) || (v instanceof FnPtr && v.curried.length > 0)) {
    const items = Array.isArray(v) ? v : v.curried;
    left -= items.length;
    for (let i = 0; i < items.length && left >= 0; i++) left = smallBudgetLeft(items[i], left);
  } else if (v instanceof Map) {
    left -= v.size;
    for (const [k, x] of v) {
      if (left < 0) break;
      left = smallBudgetLeft(x, left - (k.length >> 4));
    }
  } else if (v instanceof RBlob) left -= v.length >> 3;
  return left;
}

/**
 * True for values small and shallow enough to format recursively, piece by piece (e.g. with the
 * engine's own formatter, the reference output): the common case, where that is fastest.
 */
export function isSmall(v: Value): boolean {
  return smallBudgetLeft(v, SMALL_ITEMS + (SMALL_TEXT >> 4)) >= 0;
}

/** `to_string`: what `print` shows, within the size limits. */
export function formatDisplay(ctx: NativeCallContext, v: Value): string {
  if (typeof v === 'string') return v;
  if (!isContainer(v) || isSmall(v)) return checkStringSize(ctx, displayString(v));
  const out = new StringBuilder(ctx);
  addDebug(out, v);
  return checkStringSize(ctx, out.finish());
}

/** `to_debug`: what `debug` shows, within the size limits. */
export function formatDebug(ctx: NativeCallContext, v: Value): string {
  if (isSmall(v)) return checkStringSize(ctx, debugString(v));
  const out = new StringBuilder(ctx);
  addDebug(out, v);
  return checkStringSize(ctx, out.finish());
}
