/**
 * JSON: `parse_json(text)` turns JSON into Rhai values (objects → maps, arrays → arrays, numbers
 * without a fraction or exponent → INT, other numbers → FLOAT, `null` → `()`); `to_json()`
 * produces compact JSON the way Rhai does (serde_json style: FLOATs always show a fraction or an
 * exponent, non-finite FLOATs become `null`, map keys in sorted order).
 *
 * Parsing enforces the engine's size limits and a nesting limit so hostile input cannot exhaust
 * memory or the stack.
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
import { chargeBytes, checkArraySize, checkMapSize, checkStringSize, def } from './support.js';

/** Deepest nesting of arrays/objects accepted or produced. */
export const MAX_JSON_DEPTH = 512;

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

/** Recursive-descent JSON parser producing Rhai values. */
class JsonParser {
  private pos = 0;

  constructor(
    private readonly ctx: NativeCallContext,
    private readonly text: string,
  ) {}

  parse(): Value {
    const v = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) throw syntaxError(this.text, this.pos, 'trailing characters');
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
    let out = '';
    let chunk = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20)
        throw syntaxError(t, this.pos, 'control character (\\u0000-\\u001F) found while parsing a string');
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += t.slice(chunk, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(t, this.pos, 'invalid escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          throw syntaxError(t, this.pos - 1, 'invalid escape');
      }
      chunk = this.pos;
    }
    throw syntaxError(t, this.pos, 'EOF while parsing a string');
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
  chargeBytes(ctx, text.length);
  return new JsonParser(ctx, text).parse();
}

/** Format a finite FLOAT as serde_json (ryu) does: `1.0`, `0.001`, `1e16`, `1.5e-7`. */
export function jsonFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
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

/** A JSON string literal (serde_json escaping: quotes, backslashes and control characters). */
export function jsonString(s: string): string {
  if (!/["\\\u0000-\u001f]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 34:
        out += '\\"';
        break;
      case 92:
        out += '\\\\';
        break;
      case 8:
        out += '\\b';
        break;
      case 9:
        out += '\\t';
        break;
      case 10:
        out += '\\n';
        break;
      case 12:
        out += '\\f';
        break;
      case 13:
        out += '\\r';
        break;
      default:
        out += c < 0x20 ? `\\u${c.toString(16).padStart(4, '0')}` : s[i];
    }
  }
  return `${out}"`;
}

/** Append the JSON form of `v` to `out`. Types JSON lacks are written as their display string. */
function writeJson(ctx: NativeCallContext, v: Value, out: string[], depth: number): void {
  if (depth > MAX_JSON_DEPTH)
    throw new RhaiError('ErrorStackOverflow', 'Data nested too deeply for to_json', ctx.position);
  switch (typeof v) {
    case 'undefined':
      out.push('null');
      return;
    case 'boolean':
    case 'bigint':
      out.push(String(v));
      return;
    case 'number':
      out.push(Number.isInteger(v) ? String(v) : Number.isFinite(v) ? jsonFloat(v) : 'null');
      return;
    case 'string':
      out.push(jsonString(v));
      return;
    default:
      break;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      writeJson(ctx, v[i], out, depth + 1);
    }
    out.push(']');
    return;
  }
  if (v instanceof Map) {
    out.push('{');
    let first = true;
    for (const k of sortedKeys(v)) {
      if (!first) out.push(',');
      first = false;
      out.push(jsonString(k), ':');
      writeJson(ctx, v.get(k), out, depth + 1);
    }
    out.push('}');
    return;
  }
  if (v instanceof RFloat) {
    out.push(Number.isFinite(v.value) ? jsonFloat(v.value) : 'null');
    return;
  }
  if (v instanceof RChar) {
    out.push(jsonString(v.str));
    return;
  }
  if (v instanceof RBlob) {
    out.push(`[${Array.from(v.view()).join(',')}]`);
    return;
  }
  if (v instanceof FnPtr) {
    out.push(jsonString(v.name));
    return;
  }
  out.push(jsonString(displayString(v)));
}

/** The JSON text of a value. */
export function toJson(ctx: NativeCallContext, v: Value): string {
  const out: string[] = [];
  writeJson(ctx, v, out, 0);
  const s = out.join('');
  chargeBytes(ctx, s.length);
  return checkStringSize(ctx, s);
}

/** The JSON package. */
export const jsonFunctions: readonly NativeFnDef[] = [
  def('parse_json', ['string'], (ctx, [s]) => parseJson(ctx, s as string)),
  def('to_json', ['map'], (ctx, [m]) => toJson(ctx, m)),
  def('to_json', ['any'], (ctx, [v]) => toJson(ctx, v)),
];
