/**
 * String functions. Rhai strings are measured and indexed in characters (Unicode scalar values),
 * not UTF-16 units or bytes; negative positions count from the end. Methods that modify a string
 * (`trim`, `pad`, `replace`, ...) replace the receiver through `ctx.setThis`, since JS strings are
 * immutable. Every result that can grow is checked against `maxStringSize`.
 */
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import { compareStrings, displayString, RBlob, RChar, type RRange, type Value } from '../runtime/value.js';
import { charsIterator } from './iterators.js';
import {
  chargeBytes,
  charIndexOfUnit,
  charLength,
  charSlice,
  charsOf,
  checkArraySize,
  checkStringLength,
  checkStringSize,
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

/** Number of bytes the string takes in UTF-8. */
export function utf8Length(s: string): number {
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

/** Rust's `str::split`, including the empty-delimiter case (`"ab"` → `["", "a", "b", ""]`). */
function splitAll(s: string, delim: string): string[] {
  if (delim === '') return ['', ...charsOf(s), ''];
  return s.split(delim);
}

/** Rust's `str::splitn`: at most `n` pieces, the last holding the rest of the string. */
function splitN(s: string, delim: string, n: number): string[] {
  if (delim === '') {
    const chars = charsOf(s);
    const pieces = ['', ...chars, ''];
    if (n >= pieces.length) return pieces;
    return [...pieces.slice(0, n - 1), chars.slice(n - 2).join('')];
  }
  const out: string[] = [];
  let from = 0;
  while (out.length < n - 1) {
    const at = s.indexOf(delim, from);
    if (at < 0) break;
    out.push(s.slice(from, at));
    from = at + delim.length;
  }
  out.push(s.slice(from));
  return out;
}

/** Rust's `str::rsplitn`: pieces from the end, at most `n` (unbounded when `n` is Infinity). */
function splitRevN(s: string, delim: string, n: number): string[] {
  if (delim === '') {
    const chars = charsOf(s);
    const pieces = ['', ...chars.slice().reverse(), ''];
    if (n >= pieces.length) return pieces;
    return [...pieces.slice(0, n - 1), chars.slice(0, chars.length - (n - 2)).join('')];
  }
  const out: string[] = [];
  let end = s.length;
  while (out.length < n - 1) {
    const at = end - delim.length < 0 ? -1 : s.lastIndexOf(delim, end - delim.length);
    if (at < 0) break;
    out.push(s.slice(at + delim.length, end));
    end = at;
  }
  out.push(s.slice(0, end));
  return out;
}

/** Strings as array values, refusing arrays over `maxArraySize`. */
function stringArray(ctx: NativeCallContext, parts: string[]): Value[] {
  checkArraySize(ctx, parts.length);
  return parts;
}

/** `split(delimiter, segments)` for string and char delimiters. */
function split(ctx: NativeCallContext, s: string, delim: string, segments: number): Value {
  chargeBytes(ctx, s.length);
  if (segments <= 1 || s.length === 0 || (delim !== '' && !s.includes(delim))) return [s];
  return stringArray(ctx, Number.isFinite(segments) ? splitN(s, delim, segments) : splitAll(s, delim));
}

/** `split_rev(delimiter, segments)`. */
function splitRev(ctx: NativeCallContext, s: string, delim: string, segments: number): Value {
  chargeBytes(ctx, s.length);
  if (segments <= 1 || s.length === 0 || (delim !== '' && !s.includes(delim))) return [s];
  return stringArray(ctx, splitRevN(s, delim, segments));
}

const WHITESPACE_RUN = new RegExp(`[${WHITESPACE_CLASS}]+`);

/** `split()`: whitespace-separated words. */
function splitWhitespace(ctx: NativeCallContext, s: string): Value {
  if (s.length === 0) return [s];
  chargeBytes(ctx, s.length);
  return stringArray(
    ctx,
    s.split(WHITESPACE_RUN).filter((w) => w.length > 0),
  );
}

/** `split(index)`: the string cut in two at a character position. */
function splitAt(s: string, index: number): Value {
  const chars = charLength(s);
  let cut: number;
  if (index <= 0) cut = -index > chars ? 0 : chars - -index;
  else cut = Math.min(index, chars);
  const unit = unitIndexOfChar(s, cut);
  return [s.slice(0, unit), s.slice(unit)];
}

/** Replace every occurrence (Rust's `str::replace`, including an empty pattern). */
function replaceAll(s: string, find: string, sub: string): string {
  if (find === '') return `${sub}${charsOf(s).join(sub)}${sub}`;
  return s.split(find).join(sub);
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

/** `chars(start, len)`: the characters of a portion of the string. */
function chars(ctx: NativeCallContext, s: string, start: number, len: number): Value {
  if (len <= 0) return charsIterator(ctx, []);
  const all = charsOf(s);
  const offset = start >= 0 ? start : Math.max(0, all.length - -start);
  return charsIterator(ctx, all.slice(offset, offset + Math.min(len, all.length)));
}

/** `pad(len, padding)` with a string or char padding. */
function pad(ctx: NativeCallContext, s: string, target: number, padding: string): undefined {
  if (target <= 0) return undefined;
  checkStringLength(ctx, target);
  const current = charLength(s);
  if (target <= current || padding.length === 0) return undefined;
  const unit = charsOf(padding);
  let out = s;
  let len = current;
  while (len < target) {
    if (len + unit.length <= target) {
      out += padding;
      len += unit.length;
    } else {
      out += unit.slice(0, target - len).join('');
      len = target;
    }
  }
  ctx.setThis(checkStringSize(ctx, out));
  return undefined;
}

/** The string package. */
export const stringFunctions: readonly NativeFnDef[] = [
  // Size
  ...defWithGetter('len', 'string', (_ctx, [s]) => charLength(s as string)),
  ...defWithGetter('bytes', 'string', (_ctx, [s]) => utf8Length(s as string)),
  ...defWithGetter('is_empty', 'string', (_ctx, [s]) => (s as string).length === 0),

  // Conversions
  def('to_blob', ['string'], (ctx, [s]) => {
    const bytes = utf8Encode(s as string);
    checkArraySize(ctx, bytes.length);
    return new RBlob(bytes);
  }),
  def('to_chars', ['string'], (ctx, [s]) => {
    const all = charsOf(s as string);
    checkArraySize(ctx, all.length);
    return all.map((c) => RChar.fromString(c));
  }),
  def('to_upper', ['string'], (ctx, [s]) => checkStringSize(ctx, (s as string).toUpperCase())),
  def('to_lower', ['string'], (ctx, [s]) => checkStringSize(ctx, (s as string).toLowerCase())),
  def(
    'make_upper',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(checkStringSize(ctx, (s as string).toUpperCase()));
      return undefined;
    },
    true,
  ),
  def(
    'make_lower',
    ['string'],
    (ctx, [s]) => {
      ctx.setThis(checkStringSize(ctx, (s as string).toLowerCase()));
      return undefined;
    },
    true,
  ),

  // Character access
  def('get', ['string', 'int'], (_ctx, [s, index]) => {
    const str = s as string;
    const i = num(index);
    if (isBmpOnly(str)) {
      const at = i >= 0 ? i : str.length + i;
      return at >= 0 && at < str.length ? RChar.of(str.charCodeAt(at)) : undefined;
    }
    const all = charsOf(str);
    const at = i >= 0 ? i : all.length + i;
    return at >= 0 && at < all.length ? RChar.fromString(all[at]) : undefined;
  }),
  def(
    'set',
    ['string', 'int', 'char'],
    (ctx, [s, index, ch]) => {
      const all = charsOf(s as string);
      const i = num(index);
      const at = i >= 0 ? i : all.length + i;
      if (at >= 0 && at < all.length) {
        all[at] = (ch as RChar).str;
        ctx.setThis(all.join(''));
      }
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
      if (blob.length > 0) ctx.setThis(checkStringSize(ctx, (s as string) + utf8Decode(blob.view())));
      return undefined;
    },
    true,
  ),
  def(
    'append',
    ['string', 'any'],
    (ctx, [s, item]) => {
      const add = displayString(item);
      if (add.length > 0) ctx.setThis(checkStringSize(ctx, (s as string) + add));
      return undefined;
    },
    true,
  ),

  // Shrinking
  def(
    'remove',
    ['string', 'string'],
    (ctx, [s, sub]) => {
      chargeBytes(ctx, (s as string).length);
      if ((sub as string).length > 0) ctx.setThis((s as string).split(sub as string).join(''));
      return undefined;
    },
    true,
  ),
  def(
    'remove',
    ['string', 'char'],
    (ctx, [s, ch]) => {
      chargeBytes(ctx, (s as string).length);
      ctx.setThis((s as string).split((ch as RChar).str).join(''));
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
      else if (len < str.length) ctx.setThis(str.slice(0, unitIndexOfChar(str, len)));
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
  def('contains', ['string', 'string'], (_ctx, [s, find]) => (s as string).includes(find as string)),
  def('contains', ['string', 'char'], (_ctx, [s, ch]) => (s as string).includes((ch as RChar).str)),
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
  def('split', ['string', 'int'], (_ctx, [s, index]) => splitAt(s as string, num(index))),
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
  chargeBytes(ctx, s.length);
  ctx.setThis(checkStringSize(ctx, replaceAll(s, find, sub)));
  return undefined;
}
