/**
 * Character functions: case conversion (returning a new char or changing the receiver in place),
 * code-point conversions, and lexical min/max.
 */
import { RhaiError } from '../errors.js';
import type { NativeFnDef } from '../runtime/native.js';
import { RChar } from '../runtime/value.js';
import { charToLower, charToUpper } from './string.js';
import { def, num } from './support.js';

/** The char for a Unicode code point, or ErrorArithmetic for surrogates and out-of-range values. */
export function charFromCodePoint(cp: number): RChar {
  if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    throw RhaiError.arithmetic(`Invalid character code: ${cp}`);
  }
  return RChar.of(cp);
}

/** The character package. */
export const charFunctions: readonly NativeFnDef[] = [
  def('to_upper', ['char'], (_ctx, [c]) => charToUpper(c as RChar)),
  def('to_lower', ['char'], (_ctx, [c]) => charToLower(c as RChar)),
  def(
    'make_upper',
    ['char'],
    (ctx, [c]) => {
      ctx.setThis(charToUpper(c as RChar));
      return undefined;
    },
    true,
  ),
  def(
    'make_lower',
    ['char'],
    (ctx, [c]) => {
      ctx.setThis(charToLower(c as RChar));
      return undefined;
    },
    true,
  ),
  def('to_int', ['char'], (_ctx, [c]) => (c as RChar).cp),
  def('to_char', ['int'], (_ctx, [n]) => charFromCodePoint(num(n))),
  def('to_char', ['char'], (_ctx, [c]) => c),
  def('max', ['char', 'char'], (_ctx, [a, b]) => ((a as RChar).cp >= (b as RChar).cp ? a : b)),
  def('min', ['char', 'char'], (_ctx, [a, b]) => ((a as RChar).cp <= (b as RChar).cp ? a : b)),
];
