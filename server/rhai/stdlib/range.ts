/**
 * Range functions: building ranges (`range(from, to)` is `from..to`), stepped ranges for `for`
 * loops, and range properties. Ranges hold INTs; `1..3` is exclusive, `1..=3` inclusive.
 */
import type { NativeFnDef } from '../runtime/native.js';
import { floatValue, RRange } from '../runtime/value.js';
import { floatStepIterator, intStepIterator } from './iterators.js';
import { big, def, defWithGetter, num } from './support.js';

/** The range package. */
export const rangeFunctions: readonly NativeFnDef[] = [
  def(
    'range',
    ['int', 'int'],
    (_ctx, [from, to]) => new RRange(from as number | bigint, to as number | bigint, false),
  ),
  def('range', ['int', 'int', 'int'], (_ctx, [from, to, step]) =>
    intStepIterator(big(from), big(to), big(step)),
  ),
  def('range', ['float', 'float', 'float'], (_ctx, [from, to, step]) =>
    floatStepIterator(floatValue(from), floatValue(to), floatValue(step)),
  ),
  def('range', ['range', 'int'], (_ctx, [r, step]) => {
    const range = r as RRange;
    const s = big(step);
    // An inclusive range includes its end whichever way the iteration goes.
    const end = BigInt(range.exactEnd) + (range.inclusive ? (s < 0n ? -1n : 1n) : 0n);
    return intStepIterator(BigInt(range.exactStart), end, s);
  }),
  ...defWithGetter('start', 'range', (_ctx, [r]) => (r as RRange).exactStart),
  ...defWithGetter('end', 'range', (_ctx, [r]) => (r as RRange).exactEnd),
  ...defWithGetter('is_inclusive', 'range', (_ctx, [r]) => (r as RRange).inclusive),
  ...defWithGetter('is_exclusive', 'range', (_ctx, [r]) => !(r as RRange).inclusive),
  ...defWithGetter('is_empty', 'range', (_ctx, [r]) => (r as RRange).size === 0),
  ...defWithGetter('len', 'range', (_ctx, [r]) => (r as RRange).size),
  def('contains', ['range', 'int'], (_ctx, [r, n]) => (r as RRange).contains(n as number | bigint)),
];
