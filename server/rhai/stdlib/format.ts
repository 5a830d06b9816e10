/**
 * `to_string` / `to_debug` text of any value, with the same output as the engine's
 * `displayString` / `debugString`, built safely: nested arrays and maps are walked with an explicit
 * stack (no JS stack overflow however deep the data), text is collected by a
 * {@link StringBuilder} (size limits checked before allocating, operations charged as it goes),
 * and strings are escaped in bulk rather than character by character.
 */
import type { NativeCallContext } from '../runtime/native.js';
import { debugString, displayString, FnPtr, RBlob, type Value } from '../runtime/value.js';
import { StringBuilder } from './builder.js';
import { chargedSortedKeys, checkStringSize } from './support.js';

const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f]/;
const ESCAPES = /[\\"\u0000-\u001f\u007f]/g;

/** The escape sequence of one character (Rust's `{:?}` rules, as the engine's `quoteString`). */
function escapeOne(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\0':
      return '\\0';
    case '"':
      return '\\"';
    default:
      return `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
  }
}

/** Append a string in Rust's `{:?}` form (double-quoted, escaped) to `out`. */
function addQuoted(out: StringBuilder, s: string): void {
  // The quoted form is at least two units longer: refuse before copying a huge string.
  out.reserve(s.length + 2);
  if (!NEEDS_ESCAPE.test(s)) {
    out.add(`"${s}"`);
    return;
  }
  out.add('"');
  out.addEscaped(s, ESCAPES, escapeOne);
  out.add('"');
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Append a BLOB's debug form: hex bytes, a space after every 8 bytes. */
function addBlob(out: StringBuilder, b: RBlob): void {
  const n = b.length;
  // Two characters per byte and a space between groups of 8: refuse before building.
  out.reserve(2 + 2 * n + Math.max(0, Math.ceil(n / 8) - 1));
  out.add('[');
  const bytes = b.bytes;
  for (let i = 0; i < n; i += 8) {
    const end = Math.min(n, i + 8);
    let group = i > 0 ? ' ' : '';
    for (let j = i; j < end; j++) group += HEX[bytes[j]];
    out.add(group);
  }
  out.add(']');
}

/** One container being written: its remaining items, and how they are separated and closed. */
interface Frame {
  /** Values (arrays, curried arguments) or map values, in output order. */
  values: readonly Value[];
  /** Map keys, parallel to `values`, or null for arrays and function pointers. */
  keys: readonly string[] | null;
  i: number;
  /** Separator before every item but the first (function pointers: before every item). */
  first: boolean;
  close: string;
}

/**
 * Append the debug form of a leaf value, or open a container: write its opening text and return
 * the frame for its items (null for leaves and empty containers).
 */
function addDebugOrOpen(out: StringBuilder, v: Value): Frame | null {
  if (typeof v === 'string') {
    addQuoted(out, v);
    return null;
  }
  if (typeof v !== 'object') {
    out.add(debugString(v));
    return null;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.add('[]');
      return null;
    }
    out.add('[');
    return { values: v, keys: null, i: 0, first: true, close: ']' };
  }
  if (v instanceof Map) {
    if (v.size === 0) {
      out.add('#{}');
      return null;
    }
    out.add('#{');
    const keys = chargedSortedKeys(out.ctx, v);
    const values = keys.map((k) => v.get(k));
    return { values, keys, i: 0, first: true, close: '}' };
  }
  if (v instanceof RBlob) {
    addBlob(out, v);
    return null;
  }
  if (v instanceof FnPtr && v.curried.length > 0) {
    out.add('Fn(');
    out.add(v.name);
    return { values: v.curried, keys: null, i: 0, first: false, close: ')' };
  }
  // Chars, ranges, timestamps, function pointers without curried arguments...: small.
  out.add(debugString(v));
  return null;
}

/** Append the debug form of any value to `out`, without recursion. */
export function addDebug(out: StringBuilder, v: Value): void {
  const root = addDebugOrOpen(out, v);
  if (root === null) return;
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.i >= f.values.length) {
      out.add(f.close);
      stack.pop();
      continue;
    }
    if (f.first) f.first = false;
    else out.add(', ');
    const k = f.i++;
    if (f.keys !== null) {
      addQuoted(out, f.keys[k]);
      out.add(': ');
    }
    const inner = addDebugOrOpen(out, f.values[k]);
    if (inner !== null) stack.push(inner);
  }
}

/** True for values whose display text may be big or deeply nested (others are short leaves). */
function isContainer(v: Value): boolean {
  return Array.isArray(v) || v instanceof Map || v instanceof RBlob;
}

/** Append what `print` shows for a value (strings as they are, containers in debug form). */
export function addDisplay(out: StringBuilder, v: Value): void {
  if (typeof v === 'string') out.add(v);
  else if (isContainer(v)) addDebug(out, v);
  // Function pointers display without their curried arguments; the rest are short leaves.
  else out.add(displayString(v));
}

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
