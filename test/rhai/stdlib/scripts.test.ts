/**
 * The standard library exercised through the engine, from Rhai source: method and function call
 * syntax, properties, in-place updates of variables, callbacks written as closures, errors as
 * scripts see them, and limits. (Skipped while the engine cannot run scripts yet.)
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions, RhaiError } from '../../../server/rhai/index.js';

function engineWorks(): boolean {
  try {
    return new Engine().eval('40 + 2') === 42;
  } catch {
    return false;
  }
}

const ready = engineWorks();

function run(source: string, options?: EngineOptions): unknown {
  return new Engine(options).eval(source);
}

function errorKind(source: string, options?: EngineOptions, root = false): string | undefined {
  try {
    new Engine(options).eval(source);
  } catch (e) {
    if (e instanceof RhaiError) return root ? e.rootCause.kind : e.kind;
    throw e;
  }
  return undefined;
}

/** Each case: Rhai source and the JS value `eval` returns. */
type Case = readonly [source: string, expected: unknown];

function table(name: string, cases: readonly Case[]): void {
  describe.skipIf(!ready)(name, () => {
    it.each(cases)('%s', (source, expected) => {
      expect(run(source)).toEqual(expected);
    });
  });
}

table('scripts: math', [
  ['abs(-5)', 5],
  ['(-5).abs()', 5],
  ['sign(-2.5)', -1],
  ['let x = 42; x.is_odd', false],
  ['42.is_even()', true],
  ['let x = 0; x.is_zero', true],
  ['max(3, 9) + min(3, 9)', 12],
  ['type_of(max(3, 2.5))', 'f64'],
  ['sqrt(16.0)', 4],
  ['type_of(sqrt(16.0))', 'f64'],
  ['16.0.sqrt()', 4],
  ['(2.5).round', 3],
  ['(-2.5).round()', -3],
  ['3.7.floor', 3],
  ['3.2.ceiling', 4],
  ['(-3.75).fraction', -0.75],
  ['(-3.75).int', -3],
  ['PI() > 3.14 && PI() < 3.15', true],
  ['E().floor', 2],
  ['log(1000.0)', 3],
  ['ln(E())', 1],
  ['parse_int("123") + 1', 124],
  ['parse_int("ff", 16)', 255],
  ['parse_float("2.5") * 2.0', 5],
  ['3.99.to_int()', 3],
  ['type_of(5.to_float())', 'f64'],
  ['255.to_hex()', 'ff'],
  ['(-1).to_hex()', 'ffffffffffffffff'],
  ['8.to_octal() + ":" + 5.to_binary()', '10:101'],
  ['42.to_string()', '42'],
  ['"hi".to_debug()', '"hi"'],
  ['(0.0/0.0).is_nan', true],
  ['(1.0/0.0).is_infinite', true],
  ['1.5.is_finite', true],
]);

table('scripts: bit fields', [
  ['123456.get_bit(6)', true],
  ['let x = 123456; x.set_bit(5, true); x', 123488],
  ['123456.get_bits(5, 8)', 18],
  ['123456.get_bits(5..10)', 18],
  ['let x = 123456; x.set_bits(5, 8, 42); x', 124224],
  ['let n = 0; for b in 5.bits() { if b { n += 1 } } n', 2],
  ['let v = []; for b in 6.bits(1, 2) { v.push(b) } v', [true, true]],
]);

table('scripts: strings', [
  ['"朝には紅顔ありて夕べには白骨となる".len', 17],
  ['"朝には紅顔ありて夕べには白骨となる".bytes', 51],
  ['"".is_empty', true],
  ['let s = "   hello  "; s.trim(); s', 'hello'],
  ['let s = "hello"; s.pad(8, \'!\'); s', 'hello!!!'],
  ['let s = "hello"; s.pad(11, "(!)"); s', 'hello(!)(!)'],
  ['"hello, world!".index_of(\'o\', -7)', 8],
  ['"hello, world! hello".index_of("ll", 5)', 16],
  ['"hello, world!".sub_string(3, 4)', 'lo, '],
  ['"hello, world!".sub_string(-5)', 'orld!'],
  ['"hello, world!".sub_string(3..=7)', 'lo, w'],
  ['let s = "hello, world!"; s.crop(2, 8); s', 'llo, wor'],
  ['let s = "hello, world!"; s.crop(-3); s', 'ld!'],
  ['let s = "hello hello"; s.replace("hello", "hey"); s', 'hey hey'],
  ["let s = \"hello\"; s.replace('l', 'L'); s", 'heLLo'],
  ['let s = "hello, world!"; s.remove(\'o\'); s', 'hell, wrld!'],
  ['let s = "hello, world!"; let c = s.pop(); c + "|" + s', '!|hello, world'],
  ['let s = "hello, world!"; let t = s.pop(4); t + "|" + s', 'rld!|hello, wo'],
  ['let s = "hello, world!"; s.truncate(5); s', 'hello'],
  ['let s = "abc"; s.clear(); s.len', 0],
  ['"a,b,,c".split(",")', ['a', 'b', '', 'c']],
  ['"a,b,c".split(",", 2)', ['a', 'b,c']],
  ['"a b  c".split()', ['a', 'b', 'c']],
  ['"hello, world!".split(6)', ['hello,', ' world!']],
  ['"a,b,c".split_rev(",")', ['c', 'b', 'a']],
  ['"Hello".to_upper() + "Hello".to_lower()', 'HELLOhello'],
  ['let s = "abc"; s.make_upper(); s', 'ABC'],
  ['"hello".contains("ell") && "hello".contains(\'h\')', true],
  ['"hello".starts_with("he") && "hello".ends_with(\'o\')', true],
  ['"hello".get(-1)', 'o'],
  ['"hello".get(10)', null],
  ['let s = "hello"; s.set(0, \'j\'); s', 'jello'],
  ['"héllo".to_blob().len()', 6],
  ['"abc".to_chars()', ['a', 'b', 'c']],
  ['let n = ""; for c in "abc".chars() { n = c + n } n', 'cba'],
  ['let n = 0; for c in "hello".chars(1, 3) { n += 1 } n', 3],
  ['let s = "a"; s.append(42); s.append(\'!\'); s', 'a42!'],
  ['max("hello", "world")', 'world'],
]);

table('scripts: chars', [
  ["'a'.to_upper()", 'A'],
  ["let c = 'A'; c.make_lower(); c", 'a'],
  ["'A'.to_int()", 65],
  ['to_char(0x1F600)', '😀'],
  ["max('h', 'w')", 'w'],
]);

table('scripts: arrays', [
  ['let a = [1, 2, 3]; a.push(4); a.len', 4],
  ['let a = [1, 2, 3]; a.insert(-1, 9); a', [1, 2, 9, 3]],
  ['let a = [1, 2, 3]; a.append([4, 5]); a', [1, 2, 3, 4, 5]],
  ['let a = [1, 2, 3]; let x = a.pop(); [x, a]', [3, [1, 2]]],
  ['let a = [1, 2, 3]; let x = a.shift(); [x, a]', [1, [2, 3]]],
  ['let a = [1, 2, 3]; a.remove(1)', 2],
  ['let a = [1, 2, 3]; a.remove(9)', null],
  ['[1, 2, 3].get(-1)', 3],
  ['let a = [1, 2, 3]; a.set(0, 42); a', [42, 2, 3]],
  ['let a = [1, 2, 3, 4, 5]; a.truncate(3); a', [1, 2, 3]],
  ['let a = [1, 2, 3, 4, 5]; a.chop(2); a', [4, 5]],
  ['let a = [1, 2, 3]; a.reverse(); a', [3, 2, 1]],
  ['let a = [1, 2, 3]; a.pad(5, 0); a', [1, 2, 3, 0, 0]],
  [
    'let a = [1, 2, 3, 4, 5]; let b = a.split(2); [a, b]',
    [
      [1, 2],
      [3, 4, 5],
    ],
  ],
  ['[1, 2, 3, 4, 5].extract(1..3)', [2, 3]],
  ['[1, 2, 3, 4, 5].extract(-3, 2)', [3, 4]],
  [
    'let a = [1, 2, 3, 4, 5]; let d = a.drain(1, 2); [a, d]',
    [
      [1, 4, 5],
      [2, 3],
    ],
  ],
  [
    'let a = [1, 2, 3, 4, 5]; let r = a.retain(1..4); [a, r]',
    [
      [2, 3, 4],
      [1, 5],
    ],
  ],
  ['let a = [1, 2, 3, 4, 5]; a.splice(1, 2, [7, 8, 9]); a', [1, 7, 8, 9, 4, 5]],
  ['[1, 2, 3].contains(2)', true],
  ['[1, 2, 3, 2].index_of(2, 2)', 3],
  ['[1, 2, 3, 4, 5].map(|v| v * v)', [1, 4, 9, 16, 25]],
  ['[1, 2, 3, 4, 5].map(|v, i| v * i)', [0, 2, 6, 12, 20]],
  ['[1, 2, 3].map(|| this + 1)', [2, 3, 4]],
  ['[1, 2, 3, 4, 5].filter(|v| v >= 3)', [3, 4, 5]],
  ['[1, 2, 3, 4, 5].filter(|v, i| v * i >= 10)', [4, 5]],
  ['[1, 2, 3, 4, 5].filter("is_odd")', [1, 3, 5]],
  ['[1, 2, 3, 4, 5].filter(Fn("is_odd"))', [1, 3, 5]],
  ['fn big(x) { x > 3 } [1, 2, 3, 4, 5].filter(Fn("big"))', [4, 5]],
  ['let a = [42, 123, 99]; a.for_each(|| this *= 2); a', [84, 246, 198]],
  ['let a = [1, 2, 3]; a.for_each(|i| this += i); a', [1, 3, 5]],
  ['[1, 2, 3, 4, 5].reduce(|sum, v| sum + v, 0)', 15],
  ['[1, 2, 3, 4, 5].reduce(|sum, v| if sum == () { v } else { sum + v })', 15],
  ['[1, 2, 3].reduce(|sum| sum + this, 0)', 6],
  ['["a", "b", "c"].reduce_rev(|s, v| s + v, "")', 'cba'],
  ['[1, 2, 3].some(|v| v > 2)', true],
  ['[1, 2, 3].all(|v| v > 2)', false],
  ['[1, 2, 3, 5, 8].find(|v| v > 3)', 5],
  ['[1, 2, 3].find(|v| v > 9)', null],
  ['[#{a: 1}, #{b: 2}].find_map(|m| m.b)', 2],
  ['[1, 2, 3, 4].index_of(|v| v > 2)', 2],
  [
    'let a = [1, 2, 3, 4, 5]; let d = a.drain(|v| v < 3); [a, d]',
    [
      [3, 4, 5],
      [1, 2],
    ],
  ],
  [
    'let a = [1, 2, 3, 4, 5]; let r = a.retain(|v| v < 3); [a, r]',
    [
      [1, 2],
      [3, 4, 5],
    ],
  ],
  ['[1, 2, 3].zip([4, 5], |a, b| a + b)', [5, 7]],
  ['let a = [3, 1, 2]; a.sort(); a', [1, 2, 3]],
  ['let a = [3, 1, 2]; a.sort(|x, y| y - x); a', [3, 2, 1]],
  ['let a = ["b", "c", "a"]; a.sort_desc(); a', ['c', 'b', 'a']],
  [
    'let a = [3, 1, 2]; let b = a.order(); [a, b]',
    [
      [3, 1, 2],
      [1, 2, 3],
    ],
  ],
  ['let a = [1, 1, 2, 2, 1]; a.dedup(); a', [1, 2, 1]],
  ['let a = [1, 2, 2, 2, 3, 1, 2, 3, 4, 3, 3, 2, 1]; a.dedup(|p, c| p >= c); a', [1, 2, 3, 4]],
  ['let a = [[1]]; let b = a.get(0); b.push(2); a', [[1]]],
  ['let a = []; let x = [1]; a.push(x); x.push(2); a', [[1]]],
  ['[1, 2].len + [].len', 2],
  ['[].is_empty', true],
]);

table('scripts: maps', [
  ['let m = #{a: 1, b: 2}; m.len()', 2],
  ['#{}.is_empty()', true],
  ['let m = #{a: 1}; m.contains("a")', true],
  ['let m = #{a: 1}; m.get("a") + 1', 2],
  ['let m = #{a: 1}; m.get("zz")', null],
  ['let m = #{a: 1}; m.set("b", 2); m.b', 2],
  ['let m = #{a: 1, b: 2}; let x = m.remove("a"); [x, m.len()]', [1, 1]],
  ['let m = #{c: 3, a: 1, b: 2}; m.keys()', ['a', 'b', 'c']],
  ['let m = #{c: 3, a: 1, b: 2}; m.values()', [1, 2, 3]],
  ['let m = #{a: 1, b: 2}; m.mixin(#{a: 42, d: 0}); m', { a: 42, b: 2, d: 0 }],
  ['let m = #{a: 1, b: 2}; m.fill_with(#{a: 42, d: 0}); m', { a: 1, b: 2, d: 0 }],
  ['let m = #{a: 1, b: 2}; m.map(|k, v| v * 10)', { a: 10, b: 20 }],
  ['let m = #{a: 1, b: 2}; m.map(|k| this + 1)', { a: 2, b: 3 }],
  ['let m = #{a: 1, b: 2, c: 3}; m.filter(|k, v| v > 1)', { b: 2, c: 3 }],
  ['let m = #{a: 1, b: 2, c: 3}; let d = m.drain(|k, v| v > 1); [m, d]', [{ a: 1 }, { b: 2, c: 3 }]],
  ['let m = #{a: 1, b: 2, c: 3}; let d = m.retain(|k, v| v > 1); [m, d]', [{ b: 2, c: 3 }, { a: 1 }]],
  ['let m = #{len: 5}; m.len', 5],
  ['#{b: [1, 2.5], a: "x"}.to_json()', '{"a":"x","b":[1,2.5]}'],
  ['let m = #{a: 1}; m.clear(); m.len()', 0],
]);

table('scripts: blobs', [
  ['blob(3, 0x42).to_array()', [0x42, 0x42, 0x42]],
  ['let b = blob(); b.push(1); b.push(0x102); b.to_array()', [1, 2]],
  ['let b = blob(); b.append("hi"); b.as_string()', 'hi'],
  ['blob(5).len', 5],
  ['let b = blob(5, 1); b.set(0, 9); b.get(0) + b.get(-1) + b.get(99)', 10],
  ['let b = blob(); b.append([1, 2, 3].len()); b.insert(0, 7); b.to_array()', [7, 3]],
  ['let b = blob(4); b.write_le(0, 4, 0x12345678); b.parse_le_int(0, 4)', 0x12345678],
  ['let b = blob(8); b.write_be(0..8, 1.5); b.parse_be_float(0..8)', 1.5],
  ['let b = blob(8); b.write_utf8(1..5, "hello"); b.extract(1..3).as_string()', 'he'],
  ['let b = blob(1, 1); b.pad(3, 2); b.to_array()', [1, 2, 2]],
  ['let b = blob(3, 1); let x = b.pop(); [x, b.len()]', [1, 2]],
  ['blob(0).is_empty', true],
]);

table('scripts: ranges', [
  ['let n = 0; for i in range(8, 18) { n += 1 } n', 10],
  ['let v = []; for i in range(8, 18, 3) { v.push(i) } v', [8, 11, 14, 17]],
  ['let v = []; for i in range(18, 8, -3) { v.push(i) } v', [18, 15, 12, 9]],
  ['let v = []; for i in range(0.0, 1.0, 0.5) { v.push(i) } v', [0, 0.5]],
  ['(1..5).start + (1..5).end', 6],
  ['(1..=5).is_inclusive && (1..5).is_exclusive', true],
  ['(3..3).is_empty', true],
  ['(1..10).contains(5)', true],
  ['(1..=10).len()', 10],
]);

table('scripts: time', [
  ['let t = timestamp(); t.elapsed >= 0.0', true],
  ['let t = timestamp(); type_of(t.elapsed)', 'f64'],
  ['let t = timestamp(); let u = t + 5; u - t', 5],
  ['let t = timestamp(); (t + 1) > t', true],
  ['sleep(1); 1', 1],
]);

table('scripts: json and text', [
  ['let m = parse_json(`{"a": [1, 2.5, null], "b": "x"}`); type_of(m.a[1]) + m.b', 'f64x'],
  ['parse_json("[1, 2, 3]").len()', 3],
  ['parse_json(`{"a":1}`).a', 1],
  ['parse_json("null") == ()', true],
  ['to_json(#{a: 1.0})', '{"a":1.0}'],
  ['[1, "a"].to_string()', '[1, "a"]'],
  ['let f = |x| x; f.is_anonymous', true],
  ['fn foo() {} Fn("foo").name', 'foo'],
]);

describe.skipIf(!ready)('scripts: errors seen by scripts', () => {
  it.each([
    ['parse_int("abc")', 'ErrorArithmetic'],
    ['sqrt(4)', 'ErrorFunctionNotFound'],
    ['[1, "a"].sort()', 'ErrorFunctionNotFound'],
    ['1.get_bit(64)', 'ErrorBitFieldBounds'],
    ['range(1, 10, 0)', 'ErrorArithmetic'],
    ['parse_json("{")', 'ErrorRuntime'],
    ['abs(-9223372036854775807 - 1)', 'ErrorArithmetic'],
    ['[1, 2].map(|a, b, c| a)', 'ErrorFunctionNotFound'],
  ])('%s raises %s', (source, kind) => {
    expect(errorKind(source)).toBe(kind);
  });

  it('errors can be caught with try/catch', () => {
    expect(run('try { parse_int("x") } catch (e) { "caught" }')).toBe('caught');
  });
  it('callback errors propagate', () => {
    // As an error in the call to the closure, wrapping the arithmetic error.
    expect(errorKind('[1, 2].map(|v| v / 0)')).toBe('ErrorInFunctionCall');
    expect(errorKind('[1, 2].map(|v| v / 0)', undefined, true)).toBe('ErrorArithmetic');
  });
});

table('scripts: receivers that are properties, elements and constants', [
  ['let m = #{s: " a "}; m.s.trim(); m.s', 'a'],
  ['let a = [" a "]; a[0].trim(); a[0]', 'a'],
  ['let a = [[3, 1, 2]]; a[0].sort(); a', [[1, 2, 3]]],
  ['let m = #{a: [1]}; m.a.push(2); m.a', [1, 2]],
  ['let x = 5; x.set_bit(1, true); x', 7],
  ['let t = timestamp(); t += 5; type_of(t)', 'timestamp'],
  ['const S = " x "; S.len', 3],
  ['const A = [3, 1, 2]; A.order()', [1, 2, 3]],
  ['let a = [1, 2, 3]; let b = a; b.push(4); a.len', 3],
  ['type_of(range(1, 10, 2))', 'iterator'],
  ['let x = [1, 2]; let y = take(x); [x, y]', [null, [1, 2]]],
  ['let s = " a "; trim(s); s', 'a'],
]);

describe.skipIf(!ready)('scripts: mutating methods on constants are refused', () => {
  it.each([
    'const A = [1]; A.push(2)',
    'const S = " x "; S.trim()',
    'const M = #{a: 1}; M.clear()',
    'const B = blob(2); B.reverse()',
    'const N = 5; N.set_bit(0, false)',
    'const T = [1]; take(T)',
  ])('%s', (source) => {
    expect(errorKind(source)).toBe('ErrorNonPureMethodCallOnConstant');
  });
});

describe.skipIf(!ready)('scripts: limits', () => {
  it('maxStringSize stops growing strings', () => {
    expect(errorKind('let s = "abc"; s.pad(100, \'x\'); s', { limits: { maxStringSize: 50 } })).toBe(
      'ErrorDataTooLarge',
    );
  });
  it('maxArraySize stops growing arrays and BLOBs', () => {
    const limits = { maxArraySize: 10 };
    expect(errorKind('let a = []; for i in 0..20 { a.push(i) }', { limits })).toBe('ErrorDataTooLarge');
    expect(errorKind('let a = [1]; a.pad(11, 0)', { limits })).toBe('ErrorDataTooLarge');
    expect(errorKind('blob(11)', { limits })).toBe('ErrorDataTooLarge');
    expect(errorKind('"a,b,c,d,e,f,g,h,i,j,k,l".split(",")', { limits })).toBe('ErrorDataTooLarge');
  });
  it('maxMapSize stops growing maps', () => {
    expect(errorKind('let m = #{a: 1}; m.set("b", 2)', { limits: { maxMapSize: 1 } })).toBe(
      'ErrorDataTooLarge',
    );
  });
  it('stepped ranges are lazy: no size limit applies, but each iteration counts', () => {
    expect(run('let n = 0; for i in range(0, 100, 1) { n += 1 } n', { limits: { maxArraySize: 10 } })).toBe(
      100,
    );
    expect(errorKind('for i in range(0, 1000000000000, 1) { }', { limits: { maxOperations: 1000 } })).toBe(
      'ErrorTooManyOperations',
    );
  });
  it('callbacks count operations', () => {
    const limits = { maxOperations: 500 };
    expect(errorKind('let a = []; a.pad(1000, 1); a.map(|v| v + 1)', { limits })).toBe(
      'ErrorTooManyOperations',
    );
  });
});
