/**
 * Token types produced by the lexer.
 */
import type { SrcPos } from './ast.js';

/** Kinds of token. Punctuation and operators are `op` tokens whose `text` is the symbol. */
export type TokenKind =
  | 'int'
  | 'float'
  | 'string'
  | 'char'
  | 'interp'
  | 'ident'
  | 'keyword'
  | 'reserved'
  | 'op'
  | 'eof';

/** One piece of a backtick string: literal text, or the tokens of a `${ ... }` block. */
export type InterpPart = { readonly text: string } | { readonly tokens: Token[]; readonly pos: SrcPos };

/** A lexical token with its start position. */
export interface Token {
  readonly kind: TokenKind;
  /** Identifier/keyword/operator text, or the decoded string value for strings and chars. */
  readonly text: string;
  /** Numeric value for `int` (number or bigint) and `float` tokens. */
  readonly num?: number | bigint;
  /** Parts of an interpolated (backtick) string. */
  readonly parts?: InterpPart[];
  readonly pos: SrcPos;
}

/** Active keywords: they cannot be used as variable names. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'true',
  'false',
  'let',
  'const',
  'if',
  'else',
  'switch',
  'do',
  'while',
  'until',
  'loop',
  'for',
  'in',
  'continue',
  'break',
  'return',
  'throw',
  'try',
  'catch',
  'fn',
  'private',
  'import',
  'export',
  'as',
  'global',
  'this',
]);

/** Special function names that are keywords in Rhai: callable, but not usable as variable names. */
export const FUNCTION_KEYWORDS: ReadonlySet<string> = new Set([
  'Fn',
  'call',
  'curry',
  'is_shared',
  'is_def_fn',
  'is_def_var',
  'type_of',
  'print',
  'debug',
  'eval',
]);

/** Reserved words: a syntax error wherever they appear. */
export const RESERVED: ReadonlySet<string> = new Set([
  'var',
  'static',
  'goto',
  'exit',
  'match',
  'case',
  'public',
  'protected',
  'new',
  'use',
  'with',
  'module',
  'package',
  'super',
  'spawn',
  'thread',
  'go',
  'sync',
  'async',
  'await',
  'yield',
  'default',
  'void',
  'null',
  'nil',
]);
