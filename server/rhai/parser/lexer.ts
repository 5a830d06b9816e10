/**
 * The lexer: turns script text into tokens in one pass (charCodeAt scanning, no regexes on the hot
 * path). Backtick strings are lexed into parts, with each `${ ... }` block lexed recursively.
 */
import { RhaiError } from '../errors.js';
import { I64_MAX } from '../runtime/value.js';
import { type SrcPos, srcPos, toPosition } from './ast.js';
import { type InterpPart, KEYWORDS, RESERVED, type Token, type TokenKind } from './tokens.js';

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
  /** Brace depth inside the interpolation block being lexed. */
  private depth = 0;

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
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  private pos(at: number = this.i): SrcPos {
    return srcPos(this.line, at - this.lineStart + 1);
  }

  private error(msg: string, pos: SrcPos = this.pos()): RhaiError {
    return RhaiError.parse('BadInput', msg, toPosition(pos));
  }

  private make(
    kind: TokenKind,
    text: string,
    pos: SrcPos,
    num?: number | bigint,
    parts?: InterpPart[],
  ): Token {
    // Every token has the same fields (one hidden class).
    return { kind, text, num, parts, pos };
  }

  /** The next token of the main stream (`eof` at the end, repeatedly). */
  next(): Token {
    return this.scan(false);
  }

  /**
   * Lex tokens until the `}` closing an interpolation block (consumed; the list ends with `eof`).
   */
  private lexUntil(inBlock: boolean): Token[] {
    const out: Token[] = [];
    const savedDepth = this.depth;
    this.depth = 0;
    try {
      for (;;) {
        const t = this.scan(inBlock);
        out.push(t);
        if (t.kind === 'eof') return out;
      }
    } finally {
      this.depth = savedDepth;
    }
  }

  /** Scan one token. In a block, the unmatched `}` ends it (returned as `eof`). */
  private scan(inBlock: boolean): Token {
    const src = this.src;
    const n = src.length;
    this.skipTrivia();
    if (this.i >= n) {
      if (inBlock)
        throw RhaiError.parse('UnexpectedEOF', 'Unterminated string interpolation', toPosition(this.pos()));
      return this.make('eof', '', this.pos());
    }
    const start = this.i;
    const c = src.charCodeAt(start);
    const p = this.pos();
    if (isIdentStart(c)) {
      let j = start + 1;
      while (j < n && isIdentChar(src.charCodeAt(j))) j++;
      const word = src.slice(start, j);
      this.i = j;
      if (word === '_') return this.make('op', '_', p);
      if (KEYWORDS.has(word)) return this.make('keyword', word, p);
      if (RESERVED.has(word)) return this.make('reserved', word, p);
      return this.make('ident', word, p);
    }
    if (isDigit(c)) return this.lexNumber(p);
    if (c === 34 /* " */) return this.make('string', this.lexQuoted(34, p), p);
    if (c === 39 /* ' */) {
      const s = this.lexQuoted(39, p);
      if ([...s].length !== 1) throw this.error('Invalid character literal', p);
      return this.make('char', s, p);
    }
    if (c === 96 /* ` */) return this.lexBacktick(p);
    if (c === 35 /* # */ && (src.charCodeAt(start + 1) === 34 || src.charCodeAt(start + 1) === 35)) {
      const raw = this.lexRaw(p);
      if (raw !== null) return raw;
    }
    const op = this.operator(c, start);
    if (op !== '') {
      this.i = start + op.length;
      if (op === '{' || op === '#{') this.depth++;
      else if (op === '}') {
        if (inBlock && this.depth === 0) return this.make('eof', '', p);
        this.depth--;
      }
      return this.make('op', op, p);
    }
    const cp = src.codePointAt(start) ?? 0;
    if (cp === 35) throw RhaiError.parse('UnknownOperator', "Unknown operator: '#'", toPosition(p));
    throw this.error(`Unexpected character '${String.fromCodePoint(cp)}'`, p);
  }

  /**
   * A raw string `#"..."#`, `##"..."##`...: the text up to a `"` followed by as many `#` as opened
   * it, with no escapes. Null when the hashes are not followed by a quote.
   */
  private lexRaw(p: SrcPos): Token | null {
    const src = this.src;
    let j = this.i;
    let hashes = 0;
    while (src.charCodeAt(j) === 35) {
      hashes++;
      j++;
    }
    if (src.charCodeAt(j) !== 34) return null;
    j++;
    const close = `"${'#'.repeat(hashes)}`;
    const end = src.indexOf(close, j);
    if (end < 0) throw this.error('Unterminated string literal', p);
    const text = src.slice(j, end);
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) {
      this.line++;
      this.lineStart = j + k + 1;
    }
    this.i = end + close.length;
    const tok = this.make('string', text, p);
    return tok;
  }

  /** The operator starting at `at` (maximal munch), or '' when none. Literal strings: no allocation. */
  private operator(c: number, at: number): string {
    const src = this.src;
    const c1 = src.charCodeAt(at + 1);
    const c2 = src.charCodeAt(at + 2);
    switch (c) {
      case 43: // +
        return c1 === 61 ? '+=' : '+';
      case 45: // -
        return c1 === 61 ? '-=' : '-';
      case 42: // *
        if (c1 === 42) return c2 === 61 ? '**=' : '**';
        return c1 === 61 ? '*=' : '*';
      case 47: // /
        return c1 === 61 ? '/=' : '/';
      case 37: // %
        return c1 === 61 ? '%=' : '%';
      case 60: // <
        if (c1 === 60) return c2 === 61 ? '<<=' : '<<';
        return c1 === 61 ? '<=' : '<';
      case 62: // >
        if (c1 === 62) return c2 === 61 ? '>>=' : '>>';
        return c1 === 61 ? '>=' : '>';
      case 61: // =
        if (c1 === 61) return '==';
        return c1 === 62 ? '=>' : '=';
      case 33: // !
        if (c1 === 61) return '!=';
        // `!in` is one operator (but not `!inner`).
        if (c1 === 105 && c2 === 110 && !isIdentChar(src.charCodeAt(at + 3))) return '!in';
        return '!';
      case 38: // &
        if (c1 === 38) return '&&';
        return c1 === 61 ? '&=' : '&';
      case 124: // |
        if (c1 === 124) return '||';
        return c1 === 61 ? '|=' : '|';
      case 94: // ^
        return c1 === 61 ? '^=' : '^';
      case 46: // .
        if (c1 === 46) return c2 === 61 ? '..=' : '..';
        return '.';
      case 58: // :
        return c1 === 58 ? '::' : ':';
      case 63: // ?
        if (c1 === 63) return '??';
        if (c1 === 46) return '?.';
        return c1 === 91 ? '?[' : '?';
      case 35: // #
        return c1 === 123 ? '#{' : '';
      case 44:
        return ',';
      case 59:
        return ';';
      case 40:
        return '(';
      case 41:
        return ')';
      case 91:
        return '[';
      case 93:
        return ']';
      case 123:
        return '{';
      case 125:
        return '}';
      default:
        return '';
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
          if (this.i >= n)
            throw RhaiError.parse('UnexpectedEOF', 'Unterminated block comment', toPosition(p));
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

  private lexNumber(p: SrcPos): Token {
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
      if (big > 0xffffffffffffffffn)
        throw RhaiError.parse('LiteralTooLarge', 'Integer literal too large', toPosition(p));
      // Non-decimal literals are read as unsigned 64-bit and reinterpreted as i64, as Rhai does.
      const v = BigInt.asIntN(64, big);
      const num = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      return this.make('int', src.slice(start, j), p, num);
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
    const clean = text.includes('_') ? text.replace(/_/g, '') : text;
    if (isFloat) {
      return this.make('float', text, p, Number.parseFloat(clean.endsWith('.') ? `${clean}0` : clean));
    }
    if (clean.length <= 15) {
      return this.make('int', text, p, Number.parseInt(clean, 10));
    }
    const big = BigInt(clean);
    // 2^63 is let through so that `-9223372036854775808` can be folded by the parser.
    if (big > I64_MAX + 1n)
      throw RhaiError.parse('LiteralTooLarge', `Integer literal too large: ${text}`, toPosition(p));
    const num = big <= 9007199254740991n ? Number(big) : big;
    return this.make('int', text, p, num);
  }

  /** Lex a `"..."` string or `'...'` char body, decoding escapes. */
  private lexQuoted(quote: number, p: SrcPos): string {
    const src = this.src;
    const n = src.length;
    let j = this.i + 1;
    let out = '';
    let segStart = j;
    for (;;) {
      if (j >= n) throw RhaiError.parse('UnexpectedEOF', 'Unterminated string literal', toPosition(p));
      const c = src.charCodeAt(j);
      if (c === quote) {
        out += src.slice(segStart, j);
        j++;
        // `""` inside a string is one escaped quote.
        if (quote === 34 && src.charCodeAt(j) === 34) {
          out += '"';
          j++;
          segStart = j;
          continue;
        }
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
          let skip = toPosition(p).column;
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
  private lexBacktick(p: SrcPos): Token {
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
      if (j >= n) throw RhaiError.parse('UnexpectedEOF', 'Unterminated string literal', toPosition(p));
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
      if (c === 36 /* $ */ && src.charCodeAt(j + 1) === 36) {
        // `$$` is a literal `$` (so `$${` is text, not an interpolation).
        text += `${src.slice(segStart, j)}$`;
        j += 2;
        segStart = j;
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
    if (!interpolated) return this.make('string', parts.map((x) => ('text' in x ? x.text : '')).join(''), p);
    return this.make('interp', '', p, undefined, parts);
  }
}

/** Tokenize a script (convenience wrapper). */
export function tokenize(src: string): Token[] {
  return new Lexer(src).tokenize();
}
