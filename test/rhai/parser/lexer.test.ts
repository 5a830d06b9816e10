import { describe, expect, it } from 'vitest';
import { RhaiError } from '../../../server/rhai/index.js';
import { toPosition } from '../../../server/rhai/parser/ast.js';
import { isValidIdentifier, tokenize } from '../../../server/rhai/parser/lexer.js';

const kinds = (src: string) => tokenize(src).map((t) => `${t.kind}:${t.text}`);

describe('lexer', () => {
  it('splits operators by maximal munch', () => {
    expect(kinds('a **= b <<= c ..= d ?. e ?[ f :: g => h ?? i !in j')).toEqual([
      'ident:a',
      'op:**=',
      'ident:b',
      'op:<<=',
      'ident:c',
      'op:..=',
      'ident:d',
      'op:?.',
      'ident:e',
      'op:?[',
      'ident:f',
      'op:::',
      'ident:g',
      'op:=>',
      'ident:h',
      'op:??',
      'ident:i',
      'op:!in',
      'ident:j',
      'eof:',
    ]);
  });

  it('reads numbers', () => {
    const nums = tokenize('1_000 0xff 0o17 0b101 1.5 2. 3e2 1..2 4.abs() 0xFFFFFFFFFFFFFFFF').map(
      (t) => t.num,
    );
    expect(nums).toEqual([
      1000,
      255,
      15,
      5,
      1.5,
      2,
      300,
      1,
      undefined,
      2,
      4,
      undefined,
      undefined,
      undefined,
      undefined,
      -1,
      undefined,
    ]);
    expect(tokenize('1..2').map((t) => t.kind)).toEqual(['int', 'op', 'int', 'eof']);
    expect(tokenize('2.').map((t) => t.kind)).toEqual(['float', 'eof']);
  });

  it('classifies keywords and reserved words', () => {
    expect(kinds('let x = this; var')).toEqual([
      'keyword:let',
      'ident:x',
      'op:=',
      'keyword:this',
      'op:;',
      'reserved:var',
      'eof:',
    ]);
    expect(kinds('_')).toEqual(['op:_', 'eof:']);
  });

  it('tracks positions across lines and comments', () => {
    const toks = tokenize('let a = 1; /* multi\nline */\n  // comment\n  b');
    const b = toks[toks.length - 2];
    expect(b.text).toBe('b');
    expect(toPosition(b.pos)).toEqual({ line: 4, column: 3 });
  });

  it('lexes interpolation blocks recursively', () => {
    const [t] = tokenize('`a${ "}" + `${1}` }b`');
    expect(t.kind).toBe('interp');
    expect(t.parts?.length).toBe(3);
  });

  it('rejects bad input', () => {
    expect(() => tokenize('let @ = 1')).toThrow(RhaiError);
    expect(() => tokenize('"\\xZZ"')).toThrow(/escape/);
    expect(() => tokenize('`abc')).toThrow(/Unterminated/);
    expect(() => tokenize('12abc')).toThrow(/Invalid number/);
  });

  it('validates identifiers like Rhai', () => {
    expect(isValidIdentifier('_c3po')).toBe(true);
    expect(isValidIdentifier('r2d2')).toBe(true);
    expect(isValidIdentifier('_')).toBe(false);
    expect(isValidIdentifier('_42foo')).toBe(false);
  });
});
