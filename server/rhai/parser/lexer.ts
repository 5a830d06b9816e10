/**
 * The lexer: turns script text into tokens in one pass (charCodeAt scanning, no regexes on the hot
 * path). Backtick strings are lexed into parts, with each `${ ... }` block lexed recursively.
 */
import { type Position, RhaiError } from '../errors.js';
import { I64_MAX } from '../runtime/value.js';
import { type InterpPart, KEYWORDS, RESERVED, type Token, type TokenKind } from './tokens.js';

const THREE_CHAR_OPS = new Set(['**=', '<<=', '>>=', '..=']);
const TWO_CHAR_OPS = new Set([
  '**',
  '<<',
  '>>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '..',
  '::',
  '=>',
  '??',
  '?.',
  '?[',
  '#{',
]);
const ONE_CHAR_OPS = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '<',
  '>',
  '!',
  '=',
  '.',
  ',',
  ';',
  ':',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '?',
]);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** A valid Rhai variable name: the first character that is not `_` must be an ASCII letter. */
export function isValidIdentifier(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 95) continue;
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  }
  return false;
}

/** Tokenizes a script. */
export class Lexer {
  private readonly src: string;
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private sawNewline = false;

  constructor(src: string) {
    this.src = src;
    // A leading shebang line is ignored.
    if (src.startsWith('#!')) {
      const nl = src.indexOf('\n');
      this.i = nl < 0 ? src.length : nl;
    }
  }

  /** Tokenize the whole source; the last token is `eof`. */
  tokenize(): Token[] {
    const out = this.lexUntil(false);
    return out;
  }

  private pos(at: number = this.i): Position {
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  private error(msg: string, pos: Position = this.pos()): RhaiError {
    return RhaiError.parse('BadInput', msg, pos);
  }

  private push(out: Token[], kind: TokenKind, text: string, pos: Position, extra?: Partial<Token>): void {
    out.push({ kind, text, pos, nl: this.sawNewline, ...extra });
    this.sawNewline = false;
  }

  /**
   * Lex tokens until the end of input, or (when `inBlock`) until the `}` closing an interpolation
   * block, which is consumed but not returned.
   */
  private lexUntil(inBlock: boolean): Token[] {
    const out: Token[] = [];
    const src = this.src;
    const n = src.length;
    let depth = 0;
    for (;;) {
      this.skipTrivia();
      if (this.i >= n) {
        if (inBlock) throw RhaiError.parse('UnexpectedEOF', 'Unterminated string interpolation', this.pos());
        this.push(out, 'eof', '', this.pos());
        return out;
      }
      const start = this.i;
      const c = src.charCodeAt(start);
      const p = this.pos();
      if (isIdentStart(c)) {
        let j = start + 1;
        while (j < n && isIdentChar(src.charCodeAt(j))) j++;
        const word = src.slice(start, j);
        this.i = j;
        if (word === '_') this.push(out, 'op', '_', p);
        else if (KEYWORDS.has(word)) this.push(out, 'keyword', word, p);
        else if (RESERVED.has(word)) this.push(out, 'reserved', word, p);
        else this.push(out, 'ident', word, p);
        continue;
      }
      if (isDigit(c)) {
        this.lexNumber(out, p);
        continue;
      }
      if (c === 34 /* " */) {
        this.push(out, 'string', this.lexQuoted(34, p), p);
        continue;
      }
      if (c === 39 /* ' */) {
        const s = this.lexQuoted(39, p);
        const cps = [...s];
        if (cps.length !== 1) throw this.error('Invalid character literal', p);
        this.push(out, 'char', s, p);
        continue;
      }
      if (c === 96 /* ` */) {
        this.lexBacktick(out, p);
        continue;
      }
      // `!in` is one operator.
      if (c === 33 && src.startsWith('in', start + 1) && !isIdentChar(src.charCodeAt(start + 3))) {
        this.i = start + 3;
        this.push(out, 'op', '!in', p);
        continue;
      }
      const three = src.slice(start, start + 3);
      if (THREE_CHAR_OPS.has(three)) {
        this.i = start + 3;
        this.push(out, 'op', three, p);
        continue;
      }
      const two = src.slice(start, start + 2);
      if (TWO_CHAR_OPS.has(two)) {
        this.i = start + 2;
        if (two === '#{') depth++;
        this.push(out, 'op', two, p);
        continue;
      }
      const one = src[start];
      if (ONE_CHAR_OPS.has(one)) {
        this.i = start + 1;
        if (one === '{') depth++;
        else if (one === '}') {
          if (inBlock && depth === 0) {
            this.push(out, 'eof', '', p);
            return out;
          }
          depth--;
        }
        this.push(out, 'op', one, p);
        continue;
      }
      const cp = src.codePointAt(start) ?? 0;
      throw this.error(`Unexpected character '${String.fromCodePoint(cp)}'`, p);
    }
  }

  /** Skip whitespace and comments (nested block comments included). */
  private skipTrivia(): void {
    const src = this.src;
    const n = src.length;
    while (this.i < n) {
      const c = src.charCodeAt(this.i);
      if (c === 10) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
        this.sawNewline = true;
      } else if (c === 32 || c === 9 || c === 13 || c === 0xfeff || c === 11 || c === 12) {
        this.i++;
      } else if (c === 47 && src.charCodeAt(this.i + 1) === 47) {
        const nl = src.indexOf('\n', this.i);
        this.i = nl < 0 ? n : nl;
      } else if (c === 47 && src.charCodeAt(this.i + 1) === 42) {
        const p = this.pos();
        this.i += 2;
        let level = 1;
        while (level > 0) {
          if (this.i >= n) throw RhaiError.parse('UnexpectedEOF', 'Unterminated block comment', p);
          const d = src.charCodeAt(this.i);
          if (d === 47 && src.charCodeAt(this.i + 1) === 42) {
            level++;
            this.i += 2;
          } else if (d === 42 && src.charCodeAt(this.i + 1) === 47) {
            level--;
            this.i += 2;
          } else {
            if (d === 10) {
              this.line++;
              this.lineStart = this.i + 1;
            }
            this.i++;
          }
        }
      } else if (c === 0x2028 || c === 0x2029) {
        this.i++;
      } else {
        return;
      }
    }
  }

  private lexNumber(out: Token[], p: Position): void {
    const src = this.src;
    const n = src.length;
    const start = this.i;
    const c1 = src.charCodeAt(start + 1);
    if (
      src.charCodeAt(start) === 48 &&
      (c1 === 120 || c1 === 88 || c1 === 111 || c1 === 79 || c1 === 98 || c1 === 66)
    ) {
      const radix = c1 === 120 || c1 === 88 ? 16 : c1 === 111 || c1 === 79 ? 8 : 2;
      let j = start + 2;
      let digits = '';
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d === 95) {
          j++;
          continue;
        }
        if (!isHexDigit(d) && !isIdentChar(d)) break;
        const v = Number.parseInt(src[j], 16);
        if (Number.isNaN(v) || v >= radix) throw this.error(`Invalid number: ${src.slice(start, j + 1)}`, p);
        digits += src[j];
        j++;
      }
      this.i = j;
      if (digits === '') throw this.error(`Invalid number: ${src.slice(start, j)}`, p);
      const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '0b';
      const big = BigInt(prefix + digits);
      if (big > 0xffffffffffffffffn) throw RhaiError.parse('LiteralTooLarge', 'Integer literal too large', p);
      // Non-decimal literals are read as unsigned 64-bit and reinterpreted as i64, as Rhai does.
      const v = BigInt.asIntN(64, big);
      const num = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      this.push(out, 'int', src.slice(start, j), p, { num });
      return;
    }
    let j = start;
    while (j < n && (isDigit(src.charCodeAt(j)) || src.charCodeAt(j) === 95)) j++;
    let isFloat = false;
    if (src.charCodeAt(j) === 46 /* . */) {
      const next = src.charCodeAt(j + 1);
      if (isDigit(next)) {
        isFloat = true;
        j += 2;
        while (j < n && (isDigit(src.charCodeAt(j)) || src.charCodeAt(j) === 95)) j++;
      } else if (next !== 46 && !isIdentStart(next)) {
        // `42.` is a float literal; `42..x` is a range and `42.abs()` a method call.
        isFloat = true;
        j++;
      }
    }
    const e = src.charCodeAt(j);
    if (e === 101 || e === 69) {
      const s = src.charCodeAt(j + 1);
      if (isDigit(s) || ((s === 43 || s === 45) && isDigit(src.charCodeAt(j + 2)))) {
        isFloat = true;
        j += 2;
        while (j < n && (isDigit(src.charCodeAt(j)) || src.charCodeAt(j) === 95)) j++;
      }
    }
    if (j < n && isIdentStart(src.charCodeAt(j))) {
      throw this.error(`Invalid number: ${src.slice(start, j + 1)}`, p);
    }
    this.i = j;
    const text = src.slice(start, j);
    const clean = text.replace(/_/g, '');
    if (isFloat) {
      this.push(out, 'float', text, p, { num: Number.parseFloat(clean.endsWith('.') ? `${clean}0` : clean) });
      return;
    }
    if (clean.length <= 15) {
      this.push(out, 'int', text, p, { num: Number.parseInt(clean, 10) });
      return;
    }
    const big = BigInt(clean);
    // 2^63 is let through so that `-9223372036854775808` can be folded by the parser.
    if (big > I64_MAX + 1n) throw RhaiError.parse('LiteralTooLarge', `Integer literal too large: ${text}`, p);
    const num = big <= 9007199254740991n ? Number(big) : big;
    this.push(out, 'int', text, p, { num });
  }

  /** Lex a `"..."` string or `'...'` char body, decoding escapes. */
  private lexQuoted(quote: number, p: Position): string {
    const src = this.src;
    const n = src.length;
    let j = this.i + 1;
    let out = '';
    let segStart = j;
    for (;;) {
      if (j >= n) throw RhaiError.parse('UnexpectedEOF', 'Unterminated string literal', p);
      const c = src.charCodeAt(j);
      if (c === quote) {
        out += src.slice(segStart, j);
        j++;
        break;
      }
      if (c === 10) {
        if (quote === 39) throw this.error('Unterminated character literal', p);
        // A raw newline inside a string literal is kept (Rhai errors here; being lenient is harmless).
        out += src.slice(segStart, j + 1);
        j++;
        this.line++;
        this.lineStart = j;
        segStart = j;
        continue;
      }
      if (c !== 92 /* \ */) {
        j++;
        continue;
      }
      out += src.slice(segStart, j);
      const e = src[j + 1];
      j += 2;
      switch (e) {
        case '\\':
          out += '\\';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case '"':
          out += '"';
          break;
        case "'":
          out += "'";
          break;
        case 'x':
        case 'u':
        case 'U': {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = src.slice(j, j + len);
          if (hex.length !== len || ![...hex].every((h) => isHexDigit(h.charCodeAt(0)))) {
            throw this.error(`Invalid escape sequence: \\${e}${hex}`, this.pos(j - 2));
          }
          const cp = Number.parseInt(hex, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (e === 'x' && cp > 0x7f)) {
            throw this.error(`Invalid escape sequence: \\${e}${hex}`, this.pos(j - 2));
          }
          out += String.fromCodePoint(cp);
          j += len;
          break;
        }
        case '\n':
        case '\r': {
          if (quote === 39) throw this.error('Invalid escape sequence in character literal', this.pos(j - 2));
          // Line continuation: skip the newline and the indentation up to the opening quote's column.
          if (e === '\r' && src[j] === '\n') j++;
          this.line++;
          this.lineStart = j;
          let skip = p.column;
          while (skip > 0 && (src[j] === ' ' || src[j] === '\t')) {
            j++;
            skip--;
          }
          break;
        }
        default:
          throw this.error(`Invalid escape sequence: \\${e ?? ''}`, this.pos(j - 2));
      }
      segStart = j;
    }
    this.i = j;
    return out;
  }

  /** Lex a backtick string: literal text, ``` `` ``` for a backtick, `${ ... }` interpolations. */
  private lexBacktick(out: Token[], p: Position): void {
    const src = this.src;
    const n = src.length;
    let j = this.i + 1;
    // A backtick at the end of a line starts the text on the next line.
    if (src[j] === '\r' && src[j + 1] === '\n') j++;
    if (src[j] === '\n') {
      j++;
      this.line++;
      this.lineStart = j;
    }
    const parts: InterpPart[] = [];
    let text = '';
    let segStart = j;
    let interpolated = false;
    for (;;) {
      if (j >= n) throw RhaiError.parse('UnexpectedEOF', 'Unterminated string literal', p);
      const c = src.charCodeAt(j);
      if (c === 96) {
        if (src.charCodeAt(j + 1) === 96) {
          text += `${src.slice(segStart, j)}\``;
          j += 2;
          segStart = j;
          continue;
        }
        text += src.slice(segStart, j);
        j++;
        break;
      }
      if (c === 10) {
        j++;
        this.line++;
        this.lineStart = j;
        continue;
      }
      if (c === 36 /* $ */ && src.charCodeAt(j + 1) === 123 /* { */) {
        text += src.slice(segStart, j);
        if (text !== '') parts.push({ text });
        text = '';
        const blockPos = this.pos(j);
        this.i = j + 2;
        const tokens = this.lexUntil(true);
        parts.push({ tokens, pos: blockPos });
        interpolated = true;
        j = this.i;
        segStart = j;
        continue;
      }
      j++;
    }
    if (text !== '' || parts.length === 0) parts.push({ text });
    this.i = j;
    if (!interpolated) {
      this.push(out, 'string', parts.map((x) => ('text' in x ? x.text : '')).join(''), p);
    } else {
      this.push(out, 'interp', '', p, { parts });
    }
  }
}

/** Tokenize a script (convenience wrapper). */
export function tokenize(src: string): Token[] {
  return new Lexer(src).tokenize();
}
