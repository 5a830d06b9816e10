/**
 * JSON: `parse_json(text)` turns JSON into Rhai values (objects → maps, arrays → arrays, numbers
 * without a fraction or exponent → INT, other numbers → FLOAT, `null` → `()`); `to_json()`
 * produces compact JSON the way Rhai does (serde_json style: FLOATs always show a fraction or an
 * exponent, non-finite FLOATs become `null`, map keys in sorted order).
 *
 * Parsing enforces the engine's size limits (and the hard caps) and a nesting limit so hostile
 * input cannot exhaust memory or the stack; it charges operations as it advances through the text.
 * Serialising walks nested values with an explicit stack (any depth) and builds the text with a
 * {@link StringBuilder}, so the size limits are checked before the text is allocated.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext, NativeFnDef } from '../runtime/native.js';
import {
  displayString,
  FnPtr,
  I64_MAX,
  I64_MIN,
  makeFloat,
  makeInt,
  RBlob,
  RChar,
  RFloat,
  sortedKeys,
  type Value,
} from '../runtime/value.js';
import { StringBuilder } from './builder.js';
import { isSmall } from './format.js';
import {
  chargeBytes,
  chargedSortedKeys,
  checkArraySize,
  checkMapSize,
  checkStringSize,
  def,
} from './support.js';

/** Deepest nesting of arrays/objects accepted when parsing. */
export const MAX_JSON_DEPTH = 512;

/** Text consumed between two operation charges while parsing. */
const PARSE_CHARGE_INTERVAL = 1 << 16;

/** A JSON syntax error, reported as Rhai reports serde errors (ErrorRuntime with the message). */
function syntaxError(text: string, at: number, what: string): RhaiError {
  let line = 1;
  let column = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  const message = `${what} at line ${line} column ${column}`;
  return RhaiError.runtime(message, message);
}

/** A run of string characters that need no attention (sticky: matches at `lastIndex`). */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/** Recursive-descent JSON parser producing Rhai values. */
class JsonParser {
  private pos = 0;
  /** Position up to which the text has been charged as operations. */
  private charged = 0;

  constructor(
    private readonly ctx: NativeCallContext,
    private readonly text: string,
  ) {}

  parse(): Value {
    const v = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) throw syntaxError(this.text, this.pos, 'trailing characters');
    this.charge();
    return v;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private value(depth: number): Value {
    if (depth > MAX_JSON_DEPTH) throw syntaxError(this.text, this.pos, 'recursion limit exceeded');
    if (this.pos - this.charged >= PARSE_CHARGE_INTERVAL) this.charge();
    this.skipWhitespace();
    const t = this.text;
    if (this.pos >= t.length) throw syntaxError(t, this.pos, 'EOF while parsing a value');
    const c = t[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return checkStringSize(this.ctx, this.string());
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', undefined);
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        throw syntaxError(t, this.pos, 'expected value');
    }
  }

  /** Charge the text consumed since the last charge (lets the deadline stop a long parse). */
  private charge(): void {
    chargeBytes(this.ctx, this.pos - this.charged);
    this.charged = this.pos;
  }

  private literal(word: string, v: Value): Value {
    if (!this.text.startsWith(word, this.pos)) throw syntaxError(this.text, this.pos, 'expected value');
    this.pos += word.length;
    return v;
  }

  private object(depth: number): Value {
    const map = new Map<string, Value>();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return map;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') throw syntaxError(this.text, this.pos, 'key must be a string');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') throw syntaxError(this.text, this.pos, "expected ':'");
      this.pos++;
      const v = this.value(depth + 1);
      if (!map.has(key)) checkMapSize(this.ctx, map.size + 1);
      map.set(key, v);
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return map;
      if (c !== ',') throw syntaxError(this.text, this.pos - 1, "expected ',' or '}'");
    }
  }

  private array(depth: number): Value {
    const out: Value[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      checkArraySize(this.ctx, out.length);
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') throw syntaxError(this.text, this.pos - 1, "expected ',' or ']'");
    }
  }

  private string(): string {
    const t = this.text;
    this.pos++;
    // Runs without quotes, backslashes or control characters are skipped natively; pieces go to a
    // builder (appending them to a string one by one would build a rope node per escape).
    PLAIN_RUN.lastIndex = this.pos;
    PLAIN_RUN.test(t);
    if (t.charCodeAt(PLAIN_RUN.lastIndex) === 34) {
      // The common case: no escapes at all.
      const s = t.slice(this.pos, PLAIN_RUN.lastIndex);
      this.pos = PLAIN_RUN.lastIndex + 1;
      return s;
    }
    const parts = new StringBuilder(this.ctx);
    for (;;) {
      PLAIN_RUN.lastIndex = this.pos;
      PLAIN_RUN.test(t);
      const end = PLAIN_RUN.lastIndex;
      if (end > this.pos) parts.add(t.slice(this.pos, end));
      this.pos = end;
      if (this.pos - this.charged >= PARSE_CHARGE_INTERVAL) this.charge();
      if (this.pos >= t.length) throw syntaxError(t, this.pos, 'EOF while parsing a string');
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        this.pos++;
        return parts.finish();
      }
      if (c < 0x20)
        throw syntaxError(t, this.pos, 'control character (\\u0000-\\u001F) found while parsing a string');
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
          parts.add('"');
          break;
        case '\\':
          parts.add('\\');
          break;
        case '/':
          parts.add('/');
          break;
        case 'b':
          parts.add('\b');
          break;
        case 'f':
          parts.add('\f');
          break;
        case 'n':
          parts.add('\n');
          break;
        case 'r':
          parts.add('\r');
          break;
        case 't':
          parts.add('\t');
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(t, this.pos, 'invalid escape');
          parts.add(String.fromCharCode(Number.parseInt(hex, 16)));
          this.pos += 4;
          break;
        }
        default:
          throw syntaxError(t, this.pos - 1, 'invalid escape');
      }
    }
  }

  private number(): Value {
    const t = this.text;
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(this.pos, this.pos + 400));
    if (!m || m[0] === '-') throw syntaxError(t, this.pos, 'invalid number');
    const literal = m[0];
    // A number with 400+ characters is not a useful INT or FLOAT; refuse rather than guess.
    if (literal.length >= 400) throw syntaxError(t, this.pos, 'number out of range');
    this.pos += literal.length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(literal);
      if (n >= I64_MIN && n <= I64_MAX) return makeInt(n);
    }
    return makeFloat(Number(literal));
  }
}

/** Parse JSON text into a Rhai value. */
export function parseJson(ctx: NativeCallContext, text: string): Value {
  return new JsonParser(ctx, text).parse();
}

/** Format a finite FLOAT as serde_json (ryu) does: `1.0`, `0.001`, `1e16`, `1.5e-7`. */
export function jsonFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  // Where both print plain decimals, JS's shortest round-trip digits are ryu's: no re-formatting.
  if (abs >= 1e-5 && abs < 1e16) {
    const plain = String(x);
    return Number.isInteger(x) ? `${plain}.0` : plain;
  }
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const point = Number(exponent) + 1;
  const n = digits.length;
  let s: string;
  if (n <= point && point <= 16) s = `${digits}${'0'.repeat(point - n)}.0`;
  else if (point > 0 && point <= 16) s = `${digits.slice(0, point)}.${digits.slice(point)}`;
  else if (point > -5 && point <= 0) s = `0.${'0'.repeat(-point)}${digits}`;
  else if (n === 1) s = `${digits}e${point - 1}`;
  else s = `${digits[0]}.${digits.slice(1)}e${point - 1}`;
  return x < 0 ? `-${s}` : s;
}

const JSON_NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const JSON_ESCAPES = /["\\\u0000-\u001f]/g;

/** The JSON escape of one character. */
function jsonEscape(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\b':
      return '\\b';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\f':
      return '\\f';
    case '\r':
      return '\\r';
    default:
      return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** A JSON string literal (serde_json escaping: quotes, backslashes and control characters). */
export function jsonString(s: string): string {
  if (!JSON_NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(JSON_ESCAPES, jsonEscape)}"`;
}

/** Append a JSON string literal, refusing it before copying when it cannot fit. */
function addJsonString(out: StringBuilder, s: string): void {
  out.reserve(s.length + 2);
  if (!JSON_NEEDS_ESCAPE.test(s)) {
    out.add(`"${s}"`);
    return;
  }
  out.add('"');
  out.addEscaped(s, JSON_ESCAPES, jsonEscape);
  out.add('"');
}

/** Append a BLOB as a JSON array of byte values. */
function addJsonBlob(out: StringBuilder, b: RBlob): void {
  // At least one digit and one comma per byte: refuse an oversized result before building it.
  out.reserve(2 * b.length + 1);
  out.add('[');
  const bytes = b.bytes;
  for (let i = 0; i < b.length; i += 64) {
    const end = Math.min(b.length, i + 64);
    let group = i > 0 ? ',' : '';
    for (let j = i; j < end; j++) group += j > i ? `,${bytes[j]}` : `${bytes[j]}`;
    out.add(group);
  }
  out.add(']');
}

/** One array or object being written. */
interface Frame {
  /** The array, or the map whose properties are written in `keys` order. */
  container: readonly Value[] | Map<string, Value>;
  /** Object keys in output order, or null for arrays. */
  keys: readonly string[] | null;
  i: number;
}

/**
 * Append the JSON of a leaf value, or open an array/object and return its frame (null for leaves
 * and empty containers). Types JSON lacks are written as their display string.
 */
function addJsonOrOpen(out: StringBuilder, value: Value): Frame | null {
  const v = jsonShape(value);
  switch (typeof v) {
    case 'undefined':
      out.add('null');
      return null;
    case 'boolean':
    case 'bigint':
      out.add(String(v));
      return null;
    case 'number':
      out.add(Number.isInteger(v) ? String(v) : Number.isFinite(v) ? jsonFloat(v) : 'null');
      return null;
    case 'string':
      addJsonString(out, v);
      return null;
    default:
      break;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.add('[]');
      return null;
    }
    out.add('[');
    return { container: v, keys: null, i: 0 };
  }
  if (v instanceof Map) {
    if (v.size === 0) {
      out.add('{}');
      return null;
    }
    out.add('{');
    return { container: v, keys: chargedSortedKeys(out.ctx, v), i: 0 };
  }
  if (v instanceof RFloat) out.add(Number.isFinite(v.value) ? jsonFloat(v.value) : 'null');
  else if (v instanceof RChar) addJsonString(out, v.str);
  else if (v instanceof RBlob) addJsonBlob(out, v);
  else if (v instanceof FnPtr) addJsonString(out, v.name);
  else addJsonString(out, displayString(v));
  return null;
}

/** A function pointer with curried arguments is written as `[name, arg...]`, as in Rhai. */
function jsonShape(v: Value): Value {
  return v instanceof FnPtr && v.curried.length > 0 ? [v.name, ...v.curried] : v;
}

/** The JSON of a leaf (not an array or map) small enough to be written in one piece. */
function smallJsonLeaf(v: Value): string {
  switch (typeof v) {
    case 'undefined':
      return 'null';
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? jsonFloat(v) : 'null';
    case 'string':
      return jsonString(v);
    default:
      break;
  }
  if (v instanceof RFloat) return Number.isFinite(v.value) ? jsonFloat(v.value) : 'null';
  if (v instanceof RChar) return jsonString(v.str);
  if (v instanceof RBlob) return `[${v.view().join(',')}]`;
  if (v instanceof FnPtr) return jsonString(v.name);
  return jsonString(displayString(v));
}

/**
 * Direct (recursive) writer for small, shallow values — the common case, without the builder's
 * bookkeeping. Only called for values `isSmall` accepts, so the recursion is bounded.
 */
function writeSmallJson(value: Value, parts: string[]): void {
  const v = jsonShape(value);
  if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      writeSmallJson(v[i], parts);
    }
    parts.push(']');
  } else if (v instanceof Map) {
    parts.push('{');
    let first = true;
    for (const k of sortedKeys(v)) {
      if (!first) parts.push(',');
      first = false;
      parts.push(jsonString(k), ':');
      writeSmallJson(v.get(k), parts);
    }
    parts.push('}');
  } else parts.push(smallJsonLeaf(v));
}

/** The JSON text of a value (any nesting depth), within the size limits. */
export function toJson(ctx: NativeCallContext, v: Value): string {
  if (isSmall(v)) {
    const parts: string[] = [];
    writeSmallJson(v, parts);
    return checkStringSize(ctx, parts.join(''));
  }
  const out = new StringBuilder(ctx);
  const root = addJsonOrOpen(out, v);
  if (root !== null) {
    const stack: Frame[] = [root];
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const keys = f.keys;
      if (f.i >= (keys === null ? (f.container as Value[]).length : keys.length)) {
        out.add(keys === null ? ']' : '}');
        stack.pop();
        continue;
      }
      const k = f.i++;
      if (k > 0) out.add(',');
      let item: Value;
      if (keys === null) item = (f.container as Value[])[k];
      else {
        addJsonString(out, keys[k]);
        out.add(':');
        item = (f.container as Map<string, Value>).get(keys[k]);
      }
      const inner = addJsonOrOpen(out, item);
      if (inner !== null) stack.push(inner);
    }
  }
  return checkStringSize(ctx, out.finish());
}

/** The JSON package. */
export const jsonFunctions: readonly NativeFnDef[] = [
  def('parse_json', ['string'], (ctx, [s]) => parseJson(ctx, s as string)),
  def('to_json', ['map'], (ctx, [m]) => toJson(ctx, m)),
  def('to_json', ['any'], (ctx, [v]) => toJson(ctx, v)),
];
