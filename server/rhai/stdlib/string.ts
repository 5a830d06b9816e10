/**
 * String functions. Rhai strings are measured and indexed in characters (Unicode scalar values),
 * not UTF-16 units or bytes; negative positions count from the end. Methods that modify a string
 * (`trim`, `pad`, `replace`, ...) replace the receiver through `ctx.setThis`, since JS strings are
 * immutable.
 *
 * Every result that can grow is checked against `maxStringSize` and the hard caps *before* it is
 * built, results are built in bulk (repeated blocks, native split/join in batches) rather than
 * piece by piece, and work proportional to the text is charged as operations, so no call can
 * exhaust memory or run for long unnoticed by the deadline.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import { compareStrings, RBlob, RChar, type RRange, type Value } from '../runtime/value.js';
import { addDisplay } from '../runtime/value-text.js';
import { checkTextUnits, repeatString, StringBuilder } from './builder.js';
import { charsIterator } from './iterators.js';
import {
  advanceChars,
  arrayCap,
  blobCap,
  chargeBytes,
  chargeElements,
  charIndexOfUnit,
  charLength,
  charSlice,
  charWidthAt,
  checkArraySize,
  checkBlobSize,
  checkHardArraySize,
  checkStringLength,
  checkStringSize,
  checkStringUnits,
  def,
  defWithGetter,
  isBmpOnly,
  num,
  rangeSpan,
  rangeSpanForIteration,
  trimEnd,
  trimStart,
  unitIndexOfChar,
  WHITESPACE_CLASS,
} from './support.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

const NON_ASCII = /[^\u0000-\u007f]/;

/** Number of bytes the string takes in UTF-8. */
export function utf8Length(s: string): number {
  // Pure ASCII (the common case) needs no per-character loop.
  if (!NON_ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** UTF-8 bytes of a string. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * UTF-8 bytes of a string that must fit in `room` bytes, or ErrorDataTooLarge before encoding
 * (a string takes at least one byte per UTF-16 unit and at most three).
 */
export function utf8EncodeWithin(ctx: NativeCallContext, s: string, room: number): Uint8Array {
  if (s.length > room || (s.length * 3 > room && utf8Length(s) > room)) {
    throw RhaiError.tooLarge('Size of BLOB', ctx.position);
  }
  chargeBytes(ctx, s.length);
  return encoder.encode(s);
}

/** Decode UTF-8, replacing invalid sequences with U+FFFD (Rust's `from_utf8_lossy`). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The string argument of a char-or-string parameter. */
function text(v: Value): string {
  return v instanceof RChar ? v.str : (v as string);
}

/**
 * Rhai's start/len normalisation for `sub_string`/`crop`: start and length in characters, or
 * null for an empty result.
 */
function span(chars: number, start: number, len: number): [number, number] | null {
  if (chars === 0 || len <= 0) return null;
  let offset: number;
  if (start < 0) offset = -start > chars ? 0 : chars - -start;
  else if (start >= chars) return null;
  else offset = start;
  return [offset, Math.min(len, chars - offset)];
}

/** `sub_string(start, len)`. */
function subString(s: string, start: number, len: number): string {
  const sp = span(charLength(s), start, len);
  return sp === null ? '' : charSlice(s, sp[0], sp[1]);
}

/** `crop(start, len)`: the retained part. */
function crop(s: string, start: number, len: number): string {
  if (s.length === 0) return s;
  const sp = span(charLength(s), start, len);
  return sp === null ? '' : charSlice(s, sp[0], sp[1]);
}

/** Character offset where `index_of` starts searching, or -1 when it cannot find anything. */
function searchStart(s: string, start: number): number {
  const chars = charLength(s);
  if (start < 0) return -start > chars ? 0 : chars - -start;
  if (start === 0) return 0;
  return start >= chars ? -1 : start;
}

/** `index_of(find, start)` in characters, -1 when not found. */
function indexOf(s: string, find: string, start: number): number {
  if (s.length === 0) return -1;
  const from = searchStart(s, start);
  if (from < 0) return -1;
  const unit = s.indexOf(find, unitIndexOfChar(s, from));
  return unit < 0 ? -1 : charIndexOfUnit(s, unit);
}

/**
 * The characters of units `from..to` of `s` as strings, appended to `out` (`to` must not cut a
 * surrogate pair). Native splitting for text without surrogate pairs, a walk otherwise.
 */
function pushChars(s: string, from: number, to: number, out: string[]): void {
  const part = from === 0 && to === s.length ? s : s.slice(from, to);
  if (isBmpOnly(part)) {
    for (const c of part.split('')) out.push(c);
    return;
  }
  for (let u = 0; u < part.length; ) {
    const w = charWidthAt(part, u);
    out.push(part.slice(u, u + w));
    u += w;
  }
}

/**
 * Rust's `str::split` with an empty delimiter: `["", c1, c2, ..., ""]`, or with at most `n`
 * pieces, the last holding the rest of the string. The piece count is checked before building.
 */
function splitEmpty(ctx: NativeCallContext, s: string, n: number, reverse: boolean): string[] {
  const chars = charLength(s);
  const count = Math.min(n, chars + 2);
  checkArraySize(ctx, count);
  chargeBytes(ctx, s.length);
  // Characters that become pieces of their own (the rest, if any, is one more piece).
  const single = count >= chars + 2 ? chars : count - 2;
  const out: string[] = [''];
  if (!reverse) {
    const cut = advanceChars(s, 0, single);
    pushChars(s, 0, cut, out);
    out.push(count >= chars + 2 ? '' : s.slice(cut));
    return out;
  }
  const cut = unitIndexOfChar(s, chars - single);
  const tail: string[] = [];
  pushChars(s, cut, s.length, tail);
  for (let i = tail.length - 1; i >= 0; i--) out.push(tail[i]);
  out.push(count >= chars + 2 ? '' : s.slice(0, cut));
  return out;
}

/** Rust's `str::split` with a non-empty delimiter: every piece, at most the array cap of them. */
function splitAll(ctx: NativeCallContext, s: string, delim: string): string[] {
  const cap = arrayCap(ctx);
  // Too short to make more pieces than the cap: the plain split (which V8 caches for constants).
  if (s.length / delim.length < cap) return s.split(delim);
  // The native split stops after `cap + 1` pieces, so a string of millions of delimiters never
  // allocates more than the cap before being refused.
  const parts = s.split(delim, cap + 1);
  if (parts.length > cap) checkArraySize(ctx, parts.length);
  return parts;
}

/** Pieces split off one by one between two charges (so the deadline can stop a long split). */
const PIECES_MASK = (1 << 12) - 1;

/** Rust's `str::splitn`: at most `n` pieces, the last holding the rest of the string. */
function splitN(ctx: NativeCallContext, s: string, delim: string, n: number): string[] {
  const cap = arrayCap(ctx);
  const out: string[] = [];
  let from = 0;
  while (out.length < n - 1) {
    const at = s.indexOf(delim, from);
    if (at < 0) break;
    if (out.length >= cap) checkArraySize(ctx, out.length + 1);
    if ((out.length & PIECES_MASK) === PIECES_MASK) chargeElements(ctx, PIECES_MASK + 1);
    out.push(s.slice(from, at));
    from = at + delim.length;
  }
  checkArraySize(ctx, out.length + 1);
  out.push(s.slice(from));
  return out;
}

/** Rust's `str::rsplitn`: pieces from the end, at most `n` (unbounded when `n` is Infinity). */
function splitRevN(ctx: NativeCallContext, s: string, delim: string, n: number): string[] {
  const cap = arrayCap(ctx);
  const out: string[] = [];
  let end = s.length;
  while (out.length < n - 1) {
    const at = end - delim.length < 0 ? -1 : s.lastIndexOf(delim, end - delim.length);
    if (at < 0) break;
    if (out.length >= cap) checkArraySize(ctx, out.length + 1);
    if ((out.length & PIECES_MASK) === PIECES_MASK) chargeElements(ctx, PIECES_MASK + 1);
    out.push(s.slice(at + delim.length, end));
    end = at;
  }
  checkArraySize(ctx, out.length + 1);
  out.push(s.slice(0, end));
  return out;
}

/** `split(delimiter, segments)` for string and char delimiters. */
function split(ctx: NativeCallContext, s: string, delim: string, segments: number): Value {
  chargeBytes(ctx, s.length);
  if (segments <= 1 || s.length === 0 || (delim !== '' && !s.includes(delim))) return [s];
  if (delim === '') return splitEmpty(ctx, s, segments, false);
  return Number.isFinite(segments) ? splitN(ctx, s, delim, segments) : splitAll(ctx, s, delim);
}

/** `split_rev(delimiter, segments)`. */
function splitRev(ctx: NativeCallContext, s: string, delim: string, segments: number): Value {
  chargeBytes(ctx, s.length);
  if (segments <= 1 || s.length === 0 || (delim !== '' && !s.includes(delim))) return [s];
  if (delim === '') return splitEmpty(ctx, s, segments, true);
  return splitRevN(ctx, s, delim, segments);
}

const WHITESPACE_RUN = new RegExp(`[${WHITESPACE_CLASS}]+`);

/** `split()`: whitespace-separated words. */
function splitWhitespace(ctx: NativeCallContext, s: string): Value {
  if (s.length === 0) return [s];
  chargeBytes(ctx, s.length);
  // Empty pieces (leading/trailing whitespace) are dropped below, so allow two extra.
  const cap = arrayCap(ctx);
  const words = s.split(WHITESPACE_RUN, cap + 3).filter((w) => w.length > 0);
  checkArraySize(ctx, words.length);
  return words;
}

/** `split(index)`: the string cut in two at a character position. */
function splitAt(ctx: NativeCallContext, s: string, index: number): Value {
  if (!isBmpOnly(s)) chargeBytes(ctx, s.length);
  const chars = charLength(s);
  let cut: number;
  if (index <= 0) cut = -index > chars ? 0 : chars - -index;
  else cut = Math.min(index, chars);
  const unit = unitIndexOfChar(s, cut);
  return [s.slice(0, unit), s.slice(unit)];
}

/** Matches handled per native split/join batch in {@link replaceAll}. */
const REPLACE_BATCH = 4096;

/**
 * Replace every occurrence (Rust's `str::replace`, including an empty pattern). Works in batches
 * of native split/join (fast, and no array of millions of pieces), with the size limits checked
 * before each batch's text is built.
 */
function replaceAll(ctx: NativeCallContext, s: string, find: string, sub: string): string {
  if (find === '') return insertBetweenChars(ctx, s, sub);
  if (!s.includes(find)) return s;
  if (s.length / find.length < REPLACE_BATCH) {
    // Few enough matches for one native split/join: compute the result's size, check, build.
    chargeBytes(ctx, s.length);
    const pieces = s.split(find);
    checkTextUnits(ctx, s.length + (pieces.length - 1) * (sub.length - find.length));
    return pieces.join(sub);
  }
  const out = new StringBuilder(ctx);
  let rest = s;
  for (;;) {
    const pieces = rest.split(find, REPLACE_BATCH);
    let units = 0;
    for (const p of pieces) units += p.length;
    // Where the last piece ends in `rest`: pieces are separated by one match each.
    const consumed = units + (pieces.length - 1) * find.length;
    const last = pieces.length < REPLACE_BATCH || consumed === rest.length;
    out.reserve(units + (pieces.length - (last ? 1 : 0)) * sub.length);
    chargeBytes(ctx, consumed);
    out.add(pieces.join(sub));
    if (last) break;
    // The batch's last piece was followed by a match: replace it, continue after it.
    out.add(sub);
    rest = rest.slice(consumed + find.length);
  }
  return out.finish();
}

/** Rust's `s.replace("", sub)`: `sub` before every character and at the end. */
function insertBetweenChars(ctx: NativeCallContext, s: string, sub: string): string {
  const chars = charLength(s);
  checkStringUnits(ctx, s.length + (chars + 1) * sub.length);
  checkStringLength(ctx, chars + (chars + 1) * charLength(sub));
  const out = new StringBuilder(ctx);
  out.add(sub);
  const window = 1 << 14;
  for (let from = 0; from < s.length; ) {
    let to = Math.min(s.length, from + window);
    // Never cut a surrogate pair in two.
    if (to < s.length && charWidthAt(s, to - 1) === 2) to++;
    const pieces: string[] = [];
    pushChars(s, from, to, pieces);
    out.add(pieces.join(sub));
    out.add(sub);
    from = to;
  }
  return out.finish();
}

/** Upper-case of a single char: unchanged when the mapping needs several characters (as Rhai). */
export function charToUpper(c: RChar): RChar {
  const u = c.str.toUpperCase();
  return [...u].length === 1 ? RChar.fromString(u) : c;
}

/** Lower-case of a single char: unchanged when the mapping needs several characters (as Rhai). */
export function charToLower(c: RChar): RChar {
  const l = c.str.toLowerCase();
  return [...l].length === 1 ? RChar.fromString(l) : c;
}

/**
 * `chars(start, len)`: the characters of a portion of the string. Rhai returns a lazy iterator,
 * which `maxArraySize` does not limit; this returns an array, so only the hard cap applies.
 */
function chars(ctx: NativeCallContext, s: string, start: number, len: number): Value {
  if (len <= 0 || s.length === 0) return [];
  const total = charLength(s);
  const offset = start >= 0 ? start : Math.max(0, total - -start);
  if (offset >= total) return [];
  const count = Math.min(len, total - offset);
  checkHardArraySize(ctx, count);
  return charsIterator(ctx, s, unitIndexOfChar(s, offset), count);
}

/**
 * `pad(len, padding)` with a string or char padding: append copies of `padding` (the last one
 * possibly cut) until the string has `target` characters. The result's size is computed and
 * checked first, then built in one go from repeated blocks.
 */
function pad(ctx: NativeCallContext, s: string, target: number, padding: string): undefined {
  if (target <= 0) return undefined;
  checkStringLength(ctx, target);
  if (padding.length === 0) return undefined;
  const add = target - charLength(s);
  if (add <= 0) return undefined;
  const perCopy = charLength(padding);
  const copies = Math.floor(add / perCopy);
  const rest = add - copies * perCopy;
  const units = copies * padding.length + (rest === 0 ? 0 : unitIndexOfChar(padding, rest));
  checkStringUnits(ctx, s.length + units);
  chargeBytes(ctx, units);
  ctx.setThis(s + repeatString(padding, units));
  return undefined;
}

/** `append(item)`: the display text of any value added to the string, within the limits. */
function appendDisplay(ctx: NativeCallContext, s: string, item: Value): undefined {
  if (typeof item === 'string') {
    if (item.length === 0) return undefined;
    checkStringUnits(ctx, s.length + item.length);
    ctx.setThis(checkStringSize(ctx, s + item));
    return undefined;
  }
  const out = new StringBuilder(ctx, s.length);
  addDisplay(out, item);
  const add = out.finish();
  if (add.length > 0) ctx.setThis(checkStringSize(ctx, s + add));
  return undefined;
}

/** The character at a (possibly negative) character position, or `()`. */
function charAt(ctx: NativeCallContext, s: string, index: number): Value {
  if (isBmpOnly(s)) {
    const at = index >= 0 ? index : s.length + index;
    return at >= 0 && at < s.length ? RChar.of(s.charCodeAt(at)) : undefined;
  }
  // Surrogate pairs: characters must be counted from the start.
  chargeBytes(ctx, s.length);
  const total = charLength(s);
  const at = index >= 0 ? index : total + index;
  if (at < 0 || at >= total) return undefined;
  return RChar.of(s.codePointAt(unitIndexOfChar(s, at)) ?? 0);
}

/** The string with the character at a (possibly negative) position replaced, or null. */
function withCharAt(ctx: NativeCallContext, s: string, index: number, ch: string): string | null {
  const bmp = isBmpOnly(s);
  if (!bmp) chargeBytes(ctx, s.length);
  const total = bmp ? s.length : charLength(s);
  const at = index >= 0 ? index : total + index;
  if (at < 0 || at >= total) return null;
  const u = bmp ? at : unitIndexOfChar(s, at);
  const w = bmp ? 1 : charWidthAt(s, u);
  checkStringUnits(ctx, s.length - w + ch.length);
  return s.slice(0, u) + ch + s.slice(u + w);
}

/** The string package. */
export const stringFunctions: readonly NativeFnDef[] = [
  // Size
  ...defWithGetter('len', 'string', (_ctx, [s]) => charLength(s as string)),
  ...defWithGetter('bytes', 'string', (ctx, [s]) => {
    chargeBytes(ctx, (s as string).length);
    return utf8Length(s as string);
  }),
  ...defWithGetter('is_empty', 'string', (_ctx, [s]) => (s as string).length === 0),

  // Conversions
  def('to_blob', ['string'], (ctx, [s]) => {
    const bytes = utf8EncodeWithin(ctx, s as string, blobCap(ctx));
    checkBlobSize(ctx, bytes.length);
    return new RBlob(bytes);
  }),
  def('to_chars', ['string'], (ctx, [s]) => {
    const str = s as string;
    const count = charLength(str);
    checkArraySize(ctx, count);
    return charsIterator(ctx, str, 0, count);
  }),
  def('to_upper', ['string'], (ctx, [s]) => changeCase(ctx, s as string, true)),
  def('to_lower', ['string'], (ctx, [s]) => changeCase(ctx, s as string, false)),
  def(
    'make_upper',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(changeCase(ctx, s as string, true));
      return undefined;
    },
    true,
  ),
  def(
    'make_lower',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(changeCase(ctx, s as string, false));
      return undefined;
    },
    true,
  ),

  // Character access
  def('get', ['string', 'int'], (ctx, [s, index]) => charAt(ctx, s as string, num(index))),
  def(
    'set',
    ['string', 'int', 'char'],
    (ctx, [s, index, ch]) => {
      const next = withCharAt(ctx, s as string, num(index), (ch as RChar).str);
      if (next !== null) ctx.setThis(next);
      return undefined;
    },
    true,
  ),

  // Growing
  def(
    'pad',
    ['string', 'int', 'char'],
    (ctx, [s, len, ch]) => pad(ctx, s as string, num(len), (ch as RChar).str),
    true,
  ),
  def(
    'pad',
    ['string', 'int', 'string'],
    (ctx, [s, len, p]) => pad(ctx, s as string, num(len), p as string),
    true,
  ),
  def(
    'append',
    ['string', 'blob'],
    (ctx, [s, b]) => {
      const blob = b as RBlob;
      if (blob.length === 0) return undefined;
      chargeBytes(ctx, blob.length);
      const add = utf8Decode(blob.view());
      checkStringUnits(ctx, (s as string).length + add.length);
      ctx.setThis(checkStringSize(ctx, (s as string) + add));
      return undefined;
    },
    true,
  ),
  def('append', ['string', 'any'], (ctx, [s, item]) => appendDisplay(ctx, s as string, item), true),

  // Shrinking
  def(
    'remove',
    ['string', 'string'],
    (ctx, [s, sub]) => {
      if ((sub as string).length > 0) ctx.setThis(replaceAll(ctx, s as string, sub as string, ''));
      return undefined;
    },
    true,
  ),
  def(
    'remove',
    ['string', 'char'],
    (ctx, [s, ch]) => {
      ctx.setThis(replaceAll(ctx, s as string, (ch as RChar).str, ''));
      return undefined;
    },
    true,
  ),
  def(
    'pop',
    ['string'],
    (ctx, [s]) => {
      const str = s as string;
      if (str.length === 0) return undefined;
      const last = String.fromCodePoint(
        str.codePointAt(str.length - 1 - (isLowSurrogateEnd(str) ? 1 : 0)) ?? 0,
      );
      ctx.setThis(str.slice(0, str.length - last.length));
      return RChar.fromString(last);
    },
    true,
  ),
  def(
    'pop',
    ['string', 'int'],
    (ctx, [s, n]) => {
      const str = s as string;
      const len = num(n);
      if (str.length === 0 || len <= 0) return '';
      chargeBytes(ctx, str.length);
      const chars = charLength(str);
      if (len >= chars) {
        ctx.setThis('');
        return str;
      }
      const cut = unitIndexOfChar(str, chars - len);
      ctx.setThis(str.slice(0, cut));
      return str.slice(cut);
    },
    true,
  ),
  def(
    'clear',
    ['string'],
    (ctx) => {
      ctx.setThis('');
      return undefined;
    },
    true,
  ),
  def(
    'truncate',
    ['string', 'int'],
    (ctx, [s, n]) => {
      const len = num(n);
      const str = s as string;
      if (len <= 0) ctx.setThis('');
      else if (len < str.length) {
        chargeBytes(ctx, len);
        ctx.setThis(str.slice(0, unitIndexOfChar(str, len)));
      }
      return undefined;
    },
    true,
  ),
  def(
    'trim',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(trimEnd(trimStart(s as string)));
      return undefined;
    },
    true,
  ),
  def(
    'trim_start',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(trimStart(s as string));
      return undefined;
    },
    true,
  ),
  def(
    'trim_end',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(trimEnd(s as string));
      return undefined;
    },
    true,
  ),
  def(
    'crop',
    ['string', 'int', 'int'],
    (ctx, [s, start, len]) => {
      chargeBytes(ctx, (s as string).length);
      ctx.setThis(crop(s as string, num(start), num(len)));
      return undefined;
    },
    true,
  ),
  def(
    'crop',
    ['string', 'int'],
    (ctx, [s, start]) => {
      chargeBytes(ctx, (s as string).length);
      ctx.setThis(crop(s as string, num(start), Number.MAX_SAFE_INTEGER));
      return undefined;
    },
    true,
  ),
  def(
    'crop',
    ['string', 'range'],
    (ctx, [s, r]) => {
      chargeBytes(ctx, (s as string).length);
      const [start, len] = rangeSpan(r as RRange);
      ctx.setThis(crop(s as string, start, len));
      return undefined;
    },
    true,
  ),
  def(
    'replace',
    ['string', 'string', 'string'],
    (ctx, [s, find, sub]) => replaceIn(ctx, s as string, find as string, sub as string),
    true,
  ),
  def(
    'replace',
    ['string', 'string', 'char'],
    (ctx, [s, find, sub]) => replaceIn(ctx, s as string, find as string, (sub as RChar).str),
    true,
  ),
  def(
    'replace',
    ['string', 'char', 'string'],
    (ctx, [s, find, sub]) => replaceIn(ctx, s as string, (find as RChar).str, sub as string),
    true,
  ),
  def(
    'replace',
    ['string', 'char', 'char'],
    (ctx, [s, find, sub]) => replaceIn(ctx, s as string, (find as RChar).str, (sub as RChar).str),
    true,
  ),

  // Searching
  def('contains', ['string', 'string'], (ctx, [s, find]) => {
    chargeBytes(ctx, (s as string).length);
    return (s as string).includes(find as string);
  }),
  def('contains', ['string', 'char'], (ctx, [s, ch]) => {
    chargeBytes(ctx, (s as string).length);
    return (s as string).includes((ch as RChar).str);
  }),
  def('starts_with', ['string', 'string'], (_ctx, [s, p]) => (s as string).startsWith(p as string)),
  def('starts_with', ['string', 'char'], (_ctx, [s, p]) => (s as string).startsWith((p as RChar).str)),
  def('ends_with', ['string', 'string'], (_ctx, [s, p]) => (s as string).endsWith(p as string)),
  def('ends_with', ['string', 'char'], (_ctx, [s, p]) => (s as string).endsWith((p as RChar).str)),
  def('index_of', ['string', 'string'], (ctx, [s, find]) => {
    chargeBytes(ctx, (s as string).length);
    return indexOf(s as string, find as string, 0);
  }),
  def('index_of', ['string', 'char'], (ctx, [s, ch]) => {
    chargeBytes(ctx, (s as string).length);
    return indexOf(s as string, (ch as RChar).str, 0);
  }),
  def('index_of', ['string', 'string', 'int'], (ctx, [s, find, start]) => {
    chargeBytes(ctx, (s as string).length);
    return indexOf(s as string, find as string, num(start));
  }),
  def('index_of', ['string', 'char', 'int'], (ctx, [s, ch, start]) => {
    chargeBytes(ctx, (s as string).length);
    return indexOf(s as string, (ch as RChar).str, num(start));
  }),

  // Extracting
  def('sub_string', ['string', 'int', 'int'], (ctx, [s, start, len]) => {
    chargeBytes(ctx, (s as string).length);
    return subString(s as string, num(start), num(len));
  }),
  def('sub_string', ['string', 'int'], (ctx, [s, start]) => {
    chargeBytes(ctx, (s as string).length);
    return subString(s as string, num(start), Number.MAX_SAFE_INTEGER);
  }),
  def('sub_string', ['string', 'range'], (ctx, [s, r]) => {
    chargeBytes(ctx, (s as string).length);
    const [start, len] = rangeSpan(r as RRange);
    return subString(s as string, start, len);
  }),
  def('split', ['string'], (ctx, [s]) => splitWhitespace(ctx, s as string)),
  def('split', ['string', 'int'], (ctx, [s, index]) => splitAt(ctx, s as string, num(index))),
  def('split', ['string', 'string'], (ctx, [s, d]) =>
    split(ctx, s as string, d as string, Number.POSITIVE_INFINITY),
  ),
  def('split', ['string', 'char'], (ctx, [s, d]) =>
    split(ctx, s as string, text(d), Number.POSITIVE_INFINITY),
  ),
  def('split', ['string', 'string', 'int'], (ctx, [s, d, n]) => split(ctx, s as string, d as string, num(n))),
  def('split', ['string', 'char', 'int'], (ctx, [s, d, n]) => split(ctx, s as string, text(d), num(n))),
  def('split_rev', ['string', 'string'], (ctx, [s, d]) =>
    splitRev(ctx, s as string, d as string, Number.POSITIVE_INFINITY),
  ),
  def('split_rev', ['string', 'char'], (ctx, [s, d]) =>
    splitRev(ctx, s as string, text(d), Number.POSITIVE_INFINITY),
  ),
  def('split_rev', ['string', 'string', 'int'], (ctx, [s, d, n]) =>
    splitRev(ctx, s as string, d as string, num(n)),
  ),
  def('split_rev', ['string', 'char', 'int'], (ctx, [s, d, n]) =>
    splitRev(ctx, s as string, text(d), num(n)),
  ),

  // Iterating
  ...defWithGetter('chars', 'string', (ctx, [s]) => chars(ctx, s as string, 0, Number.MAX_SAFE_INTEGER)),
  def('chars', ['string', 'int'], (ctx, [s, start]) =>
    chars(ctx, s as string, num(start), Number.MAX_SAFE_INTEGER),
  ),
  def('chars', ['string', 'int', 'int'], (ctx, [s, start, len]) =>
    chars(ctx, s as string, num(start), num(len)),
  ),
  def('chars', ['string', 'range'], (ctx, [s, r]) => {
    const [start, len] = rangeSpanForIteration(r as RRange);
    return chars(ctx, s as string, start, len);
  }),

  // Ordering
  def('max', ['string', 'string'], (_ctx, [a, b]) => (compareStrings(a as string, b as string) >= 0 ? a : b)),
  def('min', ['string', 'string'], (_ctx, [a, b]) => (compareStrings(a as string, b as string) <= 0 ? a : b)),
];

/** True when the string ends with a surrogate pair (its last character takes two UTF-16 units). */
function isLowSurrogateEnd(s: string): boolean {
  const n = s.length;
  if (n < 2) return false;
  const lo = s.charCodeAt(n - 1);
  const hi = s.charCodeAt(n - 2);
  return lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff;
}

/** In-place `replace`. */
function replaceIn(ctx: NativeCallContext, s: string, find: string, sub: string): undefined {
  if (s.length === 0) return undefined;
  ctx.setThis(checkStringSize(ctx, replaceAll(ctx, s, find, sub)));
  return undefined;
}

/**
 * Upper- or lower-case. A few characters change into several (`ß` → `SS`), so the result may be
 * longer: V8 refuses one past its maximum length with a RangeError, reported as ErrorDataTooLarge.
 */
function changeCase(ctx: NativeCallContext, s: string, upper: boolean): string {
  chargeBytes(ctx, s.length);
  let out: string;
  try {
    out = upper ? s.toUpperCase() : s.toLowerCase();
  } catch (e) {
    if (e instanceof RangeError) throw RhaiError.tooLarge('Length of string', ctx.position);
    throw e;
  }
  return checkStringSize(ctx, out);
}
