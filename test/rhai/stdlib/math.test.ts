import { describe, expect, it } from 'vitest';
import { floatValue, RFloat } from '../../../server/rhai/runtime/value.js';
import { fl, Harness, kindOf } from './harness.js';

const h = new Harness();

describe('math: sign and magnitude', () => {
  it('abs for INT and FLOAT', () => {
    expect(h.call('abs', -5)).toBe(5);
    expect(h.call('abs', 9007199254740993n * -1n)).toBe(9007199254740993n);
    expect(kindOf(() => h.call('abs', -9223372036854775808n))).toBe('ErrorArithmetic');
    expect(h.call('abs', -2.5)).toBe(2.5);
    expect(h.call('abs', fl(-3))).toEqual(new RFloat(3));
  });
  it('sign', () => {
    expect(h.call('sign', -7)).toBe(-1);
    expect(h.call('sign', 0)).toBe(0);
    expect(h.call('sign', 12n ** 20n)).toBe(1);
    expect(h.call('sign', -0.5)).toBe(-1);
    expect(h.call('sign', fl(0))).toBe(0);
    expect(kindOf(() => h.call('sign', Number.NaN))).toBe('ErrorArithmetic');
  });
  it('parity and zero tests, as methods and properties', () => {
    expect(h.call('is_odd', 3)).toBe(true);
    expect(h.call('is_odd', -3)).toBe(true);
    expect(h.call('get$is_even', 4)).toBe(true);
    expect(h.call('is_even', 9007199254740994n)).toBe(true);
    expect(h.call('is_zero', 0)).toBe(true);
    expect(h.call('get$is_zero', fl(0))).toBe(true);
    expect(h.call('is_zero', 0.1)).toBe(false);
  });
});

describe('math: min and max', () => {
  it('INT, FLOAT and mixed', () => {
    expect(h.call('max', 3, 9)).toBe(9);
    expect(h.call('min', 3, 9)).toBe(3);
    expect(h.call('max', 2n ** 60n, 5)).toBe(2n ** 60n);
    expect(h.call('max', 1.5, 2.5)).toBe(2.5);
    expect(h.call('max', 3, 2.5)).toEqual(new RFloat(3));
    expect(h.call('min', 2.5, 3)).toBe(2.5);
  });
});

describe('math: floating point', () => {
  it('constants', () => {
    expect(h.call('PI')).toBe(Math.PI);
    expect(h.call('E')).toBe(Math.E);
  });
  it('roots, logs and trigonometry', () => {
    expect(h.call('sqrt', fl(16))).toEqual(new RFloat(4));
    expect(h.call('ln', Math.E)).toEqual(new RFloat(1));
    expect(h.call('log', fl(1000))).toEqual(new RFloat(3));
    expect(h.call('log', fl(8), fl(2))).toEqual(new RFloat(3));
    expect(h.call('sin', fl(0))).toEqual(new RFloat(0));
    expect(h.call('atan', fl(1), fl(1))).toBeCloseTo(Math.PI / 4);
    expect(h.call('hypot', fl(3), fl(4))).toEqual(new RFloat(5));
    expect(h.call('to_degrees', Math.PI)).toEqual(new RFloat(180));
  });
  it('FLOAT-only functions do not accept INT (as in Rhai)', () => {
    expect(kindOf(() => h.call('sqrt', 4))).toBe('ErrorFunctionNotFound');
  });
  it('rounding, with half away from zero', () => {
    expect(h.call('round', 2.5)).toEqual(new RFloat(3));
    expect(h.call('round', -2.5)).toEqual(new RFloat(-3));
    expect(h.call('get$floor', -1.5)).toEqual(new RFloat(-2));
    expect(h.call('ceiling', 1.2)).toEqual(new RFloat(2));
    expect(h.call('int', -3.7)).toEqual(new RFloat(-3));
    expect(h.call('fraction', -3.75)).toBe(-0.75);
  });
  it('classification', () => {
    expect(h.call('is_nan', Number.NaN)).toBe(true);
    expect(h.call('get$is_finite', 1.5)).toBe(true);
    expect(h.call('is_infinite', Number.NEGATIVE_INFINITY)).toBe(true);
  });
});

describe('math: parsing', () => {
  it('parse_int in base 10 and other radixes', () => {
    expect(h.call('parse_int', '123')).toBe(123);
    expect(h.call('parse_int', '  -42 ')).toBe(-42);
    expect(h.call('parse_int', '+7')).toBe(7);
    expect(h.call('parse_int', '123abc', 16)).toBe(0x123abc);
    expect(h.call('parse_int', 'ZZ', 36)).toBe(1295);
    expect(h.call('parse_int', '9223372036854775807')).toBe(9223372036854775807n);
    expect(h.call('parse_int', '-9223372036854775808')).toBe(-9223372036854775808n);
  });
  it('parse_int errors', () => {
    for (const bad of ['', '12x', '0x10', '1_000', '-', '9223372036854775808', '1.5']) {
      expect(kindOf(() => h.call('parse_int', bad))).toBe('ErrorArithmetic');
    }
    expect(kindOf(() => h.call('parse_int', '10', 1))).toBe('ErrorArithmetic');
    expect(kindOf(() => h.call('parse_int', '10', 37))).toBe('ErrorArithmetic');
  });
  it('parse_float accepts what Rust accepts', () => {
    expect(h.call('parse_float', '123.456')).toBe(123.456);
    expect(h.call('parse_float', '42')).toEqual(new RFloat(42));
    expect(h.call('parse_float', '1e3')).toEqual(new RFloat(1000));
    expect(h.call('parse_float', '.5')).toBe(0.5);
    expect(h.call('parse_float', '5.')).toEqual(new RFloat(5));
    expect(floatValue(h.call('parse_float', '-inf'))).toBe(Number.NEGATIVE_INFINITY);
    expect(h.call('parse_float', 'NaN')).toBeNaN();
    for (const bad of ['', 'abc', '1.2.3', '0x10', 'e5', '.']) {
      expect(kindOf(() => h.call('parse_float', bad))).toBe('ErrorArithmetic');
    }
  });
});

describe('math: conversions', () => {
  it('to_int truncates and checks the range', () => {
    expect(h.call('to_int', 3.99)).toBe(3);
    expect(h.call('to_int', -3.99)).toBe(-3);
    expect(h.call('to_int', fl(1e18))).toBe(1000000000000000000n);
    expect(h.call('to_int', 42)).toBe(42);
    expect(kindOf(() => h.call('to_int', fl(1e19)))).toBe('ErrorArithmetic');
    expect(kindOf(() => h.call('to_int', Number.POSITIVE_INFINITY))).toBe('ErrorArithmetic');
  });
  it('to_float', () => {
    expect(h.call('to_float', 5)).toEqual(new RFloat(5));
    expect(h.call('to_float', 2.5)).toBe(2.5);
  });
  it('to_hex / to_octal / to_binary, two-complement for negatives', () => {
    expect(h.call('to_hex', 255)).toBe('ff');
    expect(h.call('to_hex', -1)).toBe('ffffffffffffffff');
    expect(h.call('to_octal', 8)).toBe('10');
    expect(h.call('to_binary', 5)).toBe('101');
    expect(h.call('to_binary', 0)).toBe('0');
  });
  it('to_string and to_debug', () => {
    expect(h.call('to_string', 42)).toBe('42');
    expect(h.call('to_string', fl(2))).toBe('2.0');
    expect(h.call('to_debug', 'hi')).toBe('"hi"');
    expect(h.call('to_string', [1, 'a'])).toBe('[1, "a"]');
    expect(h.call('to_string', undefined)).toBe('');
    expect(h.call('to_debug', undefined)).toBe('()');
  });
});
