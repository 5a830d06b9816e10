import { describe, expect, it } from 'vitest';
import { fail, run } from './helpers.js';

describe('integer arithmetic (i64, checked)', () => {
  it.each([
    ['1 + 2 * 3 - 4 / 2', 5],
    ['7 / 2', 3],
    ['7 / -2', -3],
    ['-7 / 2', -3],
    ['-7 % 3', -1],
    ['7 % -3', 1],
    ['2 ** 10', 1024],
    ['-2 ** 2', 4],
    ['2 ** 3 ** 2', 512],
    ['1 << 4', 16],
    ['256 >> 4', 16],
    ['-16 >> 2', -4],
    ['1 << -1', 0],
    ['10 & 6', 2],
    ['10 | 6', 14],
    ['10 ^ 6', 12],
    ['0xFFFFFFFF & 0xF0F0F0F0F0', 0xf0f0f0f0],
    ['-1 & 0xFF', 255],
  ])('%s = %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it('goes beyond 2^53 exactly', () => {
    expect(run('9007199254740992 + 1')).toBe(9007199254740993n);
    expect(run('9223372036854775806 + 1')).toBe(9223372036854775807n);
    expect(run('let x = 3037000499; x * x')).toBe(9223372030926249001n);
    expect(run('(9007199254740993 - 2)')).toBe(9007199254740991);
    expect(run('1 << 63')).toBe(-9223372036854775808n);
    expect(run('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(run('0xFFFFFFFFFFFFFFFF')).toBe(-1);
  });

  it.each([
    ['9223372036854775807 + 1', 'Addition overflow'],
    ['-9223372036854775807 - 2', 'Subtraction overflow'],
    ['4611686018427387904 * 2', 'Multiplication overflow'],
    ['1 / 0', 'Division by zero'],
    ['1 % 0', 'Modulo division by zero'],
    ['-9223372036854775808 / -1', 'Division overflow'],
    ['2 ** 64', 'Exponential overflow'],
    ['2 ** -1', 'negative'],
    ['1 << 64', 'Left-shift by too many bits'],
    ['1 >> 64', 'Right-shift by too many bits'],
  ])('%s fails with ErrorArithmetic', (src, msg) => {
    const e = fail(src);
    expect(e.kind).toBe('ErrorArithmetic');
    expect(e.message).toContain(msg);
  });
});

describe('floats and mixing', () => {
  it('promotes INT op FLOAT to FLOAT', () => {
    expect(run('type_of(1 + 2.0)')).toBe('f64');
    expect(run('1 + 2.0')).toBe(3);
    expect(run('5 / 2.0')).toBe(2.5);
    expect(run('type_of(0.5 + 0.5)')).toBe('f64');
    expect(run('2.5 ** 2')).toBe(6.25);
    expect(run('1.0 / 0.0')).toBe(Number.POSITIVE_INFINITY);
    expect(run('7.5 % 2')).toBe(1.5);
  });

  it('compares INT and FLOAT numerically', () => {
    expect(run('42 == 42.0')).toBe(true);
    expect(run('42.0 > 42')).toBe(false);
    expect(run('42 >= 42.0')).toBe(true);
    // FLOATs compare within Rhai's epsilon: 0.1 + 0.2 == 0.3 (see conformance/float-comparison).
    expect(run('0.1 + 0.2 == 0.3')).toBe(true);
  });

  it('keeps integral floats as floats', () => {
    expect(run('let x = 2.0 * 3; type_of(x)')).toBe('f64');
    expect(run('let s = 0.0; for i in 0..4 { s += 0.5 } `${s}`')).toBe('2.0');
    expect(run('`${1e20} ${1.5e-7} ${-0.0} ${100.0}`')).toBe('1e20 0.00000015 -0.0 100.0');
  });
});

describe('comparison, logic and membership', () => {
  it.each([
    ['"a" < "b"', true],
    ['"abc" == "abc"', true],
    ["'a' < 'b'", true],
    ['"a" == \'a\'', true],
    ['1 == "1"', false],
    ['1 != "1"', true],
    ['42 > "42"', false],
    ['[1, [2]] == [1, [2]]', true],
    ['#{a: 1, b: 2} == #{b: 2, a: 1}', true],
    ['() == ()', true],
    ['true && false || true', true],
    ['!true', false],
    ['true & false', false],
    ['true ^ true', false],
    ['42 in [1, 42]', true],
    ['"ell" in "hello"', true],
    ['\'z\' in "hello"', false],
    ['"a" in #{a: 1}', true],
    ['5 in 1..5', false],
    ['5 in 1..=5', true],
    ['3 !in [1, 2]', true],
  ])('%s is %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it('short-circuits && and ||', () => {
    expect(run('let n = 0; fn bump() { throw "no" } false && bump(); true || bump(); n')).toBe(0);
  });

  it('requires bool operands for logic and conditions', () => {
    expect(fail('1 && true').kind).toBe('ErrorMismatchDataType');
    expect(fail('if 1 { 2 }').kind).toBe('ErrorMismatchDataType');
    expect(fail('!5').kind).toBe('ErrorFunctionNotFound');
  });

  it('supports ?? and safe navigation', () => {
    expect(run('let x = (); x ?? 5')).toBe(5);
    expect(run('let x = 1; x ?? 5')).toBe(1);
    expect(run('let m = (); m?.a')).toBe(null);
    expect(run('let m = #{a: #{b: 2}}; m?.a?.b')).toBe(2);
    expect(run('let a = (); a?[0]')).toBe(null);
    expect(run('let a = (); a?.len()')).toBe(null);
  });
});

describe('string, array and map operators', () => {
  it('concatenates', () => {
    expect(run('"abc" + 1 + 2.5 + true')).toBe('abc12.5true');
    expect(run('1 + "x"')).toBe('1x');
    expect(run("'a' + 'b'")).toBe('ab');
    expect(run('"a" + ()')).toBe('a');
    expect(run('[1, 2] + [3]')).toEqual([1, 2, 3]);
    expect(run('#{a: 1} + #{b: 2}')).toEqual({ a: 1, b: 2 });
  });

  it('grows containers in place with +=', () => {
    expect(run('let a = [1]; a += 2; a += [3, 4]; a')).toEqual([1, 2, 3, 4]);
    expect(run('let m = #{a: 1}; m += #{b: 2}; m')).toEqual({ a: 1, b: 2 });
    expect(run('let s = "ab"; s += "cd"; s += 1; s')).toBe('abcd1');
  });

  it('reports unknown operator overloads with the signature', () => {
    const e = fail('[1] * 2');
    expect(e.kind).toBe('ErrorFunctionNotFound');
    expect(e.message).toContain('* (array, i64)');
  });
});
