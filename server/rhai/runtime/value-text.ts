/**
 * The debug and display text of any value written into a {@link TextSink}: nested arrays and maps
 * are walked with an explicit stack (no JS stack overflow however deep the data) and strings are
 * escaped in bulk rather than character by character. The sink is the stdlib's size-limited
 * `StringBuilder` (`to_string`, `to_debug`), or a {@link BoundedText} that keeps only the start:
 * the message of a thrown value ({@link displayWithin}), which must stay small whatever was thrown.
 */
import { debugString, displayString, escapeChar, FnPtr, RBlob, sortedKeys, type Value } from './value.js';

/** Where formatted text goes. */
export interface TextSink {
  /** True once the sink takes no more text: the walk stops there. */
  readonly full: boolean;
  /** Refuse (or ignore) `units` more UTF-16 units before they are built. */
  reserve(units: number): void;
  add(piece: string): void;
  /**
   * Append `s` with every match of the global regex `pattern` (single UTF-16 units only) replaced
   * by `escapeMatch(match)`.
   */
  addEscaped(s: string, pattern: RegExp, escapeMatch: (match: string) => string): void;
  /** A map's keys in Rhai's order (sorting a big map is work to charge, where there is a run). */
  keysOf(map: Map<string, Value>): string[];
}

const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f]/;
const ESCAPES = /[\\"\u0000-\u001f\u007f]/g;

/** The escape sequence of one character matched by {@link ESCAPES}. */
const escapeOne = (ch: string): string => escapeChar(ch, '"');

/** Append a string in Rust's `{:?}` form (double-quoted, escaped) to `out`. */
function addQuoted(out: TextSink, s: string): void {
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
function addBlob(out: TextSink, b: RBlob): void {
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
    if (out.full) return;
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
function addDebugOrOpen(out: TextSink, v: Value): Frame | null {
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
    const keys = out.keysOf(v);
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
export function addDebug(out: TextSink, v: Value): void {
  const root = addDebugOrOpen(out, v);
  if (root === null) return;
  const stack: Frame[] = [root];
  while (stack.length > 0 && !out.full) {
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
export function isContainer(v: Value): boolean {
  return Array.isArray(v) || v instanceof Map || v instanceof RBlob;
}

/** Append what `print` shows for a value (strings as they are, containers in debug form). */
export function addDisplay(out: TextSink, v: Value): void {
  if (typeof v === 'string') out.add(v);
  else if (isContainer(v)) addDebug(out, v);
  // Function pointers display without their curried arguments; the rest are short leaves.
  else out.add(displayString(v));
}

/** UTF-16 units {@link BoundedText} escapes at a time, so a huge string is not escaped whole. */
const ESCAPE_WINDOW = 1 << 12;

/** A {@link TextSink} that keeps the first `max` UTF-16 units and drops the rest. */
export class BoundedText implements TextSink {
  private text = '';
  /** Whether text was dropped. */
  cut = false;

  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.cut || this.text.length >= this.max;
  }

  reserve(): void {}

  add(piece: string): void {
    if (this.full) {
      if (piece.length > 0) this.cut = true;
      return;
    }
    const room = this.max - this.text.length;
    if (piece.length <= room) {
      this.text += piece;
      return;
    }
    // Not in the middle of a surrogate pair: the text must stay valid Unicode.
    const last = piece.charCodeAt(room - 1);
    this.text += piece.slice(0, last >= 0xd800 && last <= 0xdbff ? room - 1 : room);
    this.cut = true;
  }

  addEscaped(s: string, pattern: RegExp, escapeMatch: (match: string) => string): void {
    for (let i = 0; i < s.length && !this.full; i += ESCAPE_WINDOW) {
      this.add(s.slice(i, i + ESCAPE_WINDOW).replace(pattern, escapeMatch));
    }
  }

  keysOf(map: Map<string, Value>): string[] {
    return sortedKeys(map);
  }

  /** The text kept, with "…" when some was dropped. */
  finish(): string {
    return this.cut ? `${this.text}…` : this.text;
  }
}

/**
 * What `print` shows for `v`, cut to its first `max` UTF-16 units (then "…"): the work and memory
 * are bounded by `max`, not by the value, however big or deep it is.
 */
export function displayWithin(v: Value, max: number): string {
  const out = new BoundedText(max);
  addDisplay(out, v);
  return out.finish();
}
