import { describe, expect, it } from 'vitest';
import { Engine, RChar, RFloat, typeOf } from '../../../server/rhai/index.js';
import { fail, run, runPrint } from './helpers.js';

describe('literals', () => {
  it.each([
    ['1_000_000', 1000000],
    ['0x_ff', 255],
    ['0o777', 511],
    ['0b1111_0000', 240],
    ['123_456.789e-3', 123.456789],
    ['1.5e3', 1500],
    ['"a\\tb\\x41\\u2764\\U0001F600"', 'a\tbA❤😀'],
    ["'\\''", "'"],
    ['`a``b`', 'a`b'],
    ['`\nline1\n  line2`', 'line1\n  line2'],
    ['`${`${1 + 1}`}!`', '2!'],
    ['/* a /* nested */ b */ 42', 42],
    ['/// doc\nfn f() { 1 } f()', 1],
    ['/** doc */ fn g() { 2 } g()', 2],
    ['#!/usr/bin/env rhai\n7', 7],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('types literals as Rhai does', () => {
    const e = new Engine();
    expect(typeOf(e.evalRaw('42'))).toBe('i64');
    expect(typeOf(e.evalRaw('42.0'))).toBe('f64');
    expect(typeOf(e.evalRaw('-42.'))).toBe('f64');
    expect(e.evalRaw('-42.')).toBeInstanceOf(RFloat);
    expect(e.evalRaw("'x'")).toBeInstanceOf(RChar);
    expect(
      run(
        '[type_of(()), type_of(true), type_of("s"), type_of([]), type_of(#{}), type_of(1..2), type_of(1..=2), type_of(|x| x)]',
      ),
    ).toEqual(['()', 'bool', 'string', 'array', 'map', 'range', 'range=', 'Fn']);
  });

  it('continues strings across lines and keeps interpolation as statements', () => {
    expect(run('let x = "hello, \\\n         world"; x')).toBe('hello, world');
    expect(run('let x = 42; `v: ${ let w = x + 1; if w > 1 { w * 2 } else { 0 } }`')).toBe('v: 86');
  });

  it('rejects malformed literals', () => {
    expect(fail('"abc').kind).toBe('ErrorParsing');
    expect(fail("'ab'").parseKind).toBe('BadInput');
    expect(fail('"\\q"').parseKind).toBe('BadInput');
    expect(fail('99999999999999999999').parseKind).toBe('LiteralTooLarge');
    expect(fail('/* open').parseKind).toBe('UnexpectedEOF');
  });
});

describe('indexing', () => {
  it.each([
    ['let a = [1, 2, 3]; a[0] + a[-1]', 4],
    [
      'let a = [[1, 2], [3, 4]]; a[1][0] = 9; a',
      [
        [1, 2],
        [9, 4],
      ],
    ],
    ['"héllo😀"[5]', '😀'],
    ['"héllo"[-4]', 'é'],
    ['let s = "hello"; s[0] = \'J\'; s', 'Jello'],
    ['let m = #{"a b": 1}; m["a b"]', 1],
    ['let m = #{}; m["x"] = 2; m.x', 2],
    ['let m = #{}; m.missing', null],
    ['0b1010[1]', true],
    ['0b1010[-64]', false],
    ['let x = 0b1010; x[0] = true; x', 11],
    ['0xFF00[8..16]', 255],
    ['0xFF00[8..=11]', 15],
    ['let x = 0; x[4..8] = 0xF; x', 240],
    ['let s = [#{a: [1]}]; s[0].a[0] = 5; s', [{ a: [5] }]],
    ['let s = ["ab"]; s[0][1] = \'x\'; s', ['ax']],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it.each([
    ['let a = [1]; a[1]', 'ErrorArrayBounds'],
    ['let a = [1]; a[-2]', 'ErrorArrayBounds'],
    ['"ab"[2]', 'ErrorStringBounds'],
    ['1[64]', 'ErrorBitFieldBounds'],
    ['true[0]', 'ErrorIndexingType'],
    ['let a = [1]; a["x"]', 'ErrorMismatchDataType'],
  ])('%s fails with %s', (src, kind) => {
    expect(fail(src).kind).toBe(kind);
  });
});

describe('value semantics', () => {
  it('copies arrays and maps on assignment and argument passing', () => {
    expect(run('let a = [1, 2]; let b = a; b.push(3); a')).toEqual([1, 2]);
    expect(run('let x = [1, [2, 3]]; let y = x[1]; y.push(4); x')).toEqual([1, [2, 3]]);
    expect(run('fn change(a) { a.push(9); a } let v = [1]; let w = change(v); [v, w]')).toEqual([
      [1],
      [1, 9],
    ]);
    expect(run('let m = #{a: [1]}; let n = m; n.a.push(2); m')).toEqual({ a: [1] });
    expect(run('let a = [[1]]; let b = []; b.push(a[0]); b[0].push(2); a')).toEqual([[1]]);
    expect(run('let a = [1]; for x in [a, a] { x.push(2) } a')).toEqual([1]);
  });

  it('mutates in place through method calls and compound assignment', () => {
    expect(run('let a = [3, 1, 2]; a.sort(); a')).toEqual([1, 2, 3]);
    expect(run('let s = "  x "; s.trim(); s')).toBe('x');
    expect(run('let m = #{a: #{b: [1]}}; m.a.b.push(2); m.a.b += [3]; m')).toEqual({ a: { b: [1, 2, 3] } });
  });

  it('prints with display and debug formats', () => {
    const out: string[] = [];
    const dbg: string[] = [];
    new Engine({ onPrint: (s) => out.push(s), onDebug: (s) => dbg.push(s) }).eval(
      'print(1.0); print(0.1 + 0.2); print(1e20); print("s"); print(\'c\'); print([1, "a", \'c\', 1.5, ()]); print(#{b: 1, a: "x"}); print(()); debug("hi"); debug(\'c\'); debug(1..=3)',
    );
    expect(out).toEqual([
      '1.0',
      '0.30000000000000004',
      '1e20',
      's',
      'c',
      '[1, "a", \'c\', 1.5, ()]',
      '#{"a": "x", "b": 1}',
      '',
    ]);
    expect(dbg).toEqual(['"hi"', "'c'", '1..=3']);
  });

  it('print returns unit', () => {
    expect(runPrint('print("x")')).toEqual({ value: null, out: ['x'] });
  });
});
