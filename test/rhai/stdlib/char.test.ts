import { describe, expect, it } from 'vitest';
import { ch, Harness, kindOf } from './harness.js';

const h = new Harness();

describe('char', () => {
  it('case conversion returning a new char', () => {
    expect(h.call('to_upper', ch('a'))).toEqual(ch('A'));
    expect(h.call('to_lower', ch('Ä'))).toEqual(ch('ä'));
    expect(h.call('to_upper', ch('ß'))).toEqual(ch('ß'));
    expect(h.call('to_upper', ch('1'))).toEqual(ch('1'));
  });
  it('case conversion in place', () => {
    expect(h.mutate('make_upper', ch('a'))).toEqual(ch('A'));
    expect(h.mutate('make_lower', ch('A'))).toEqual(ch('a'));
  });
  it('code points', () => {
    expect(h.call('to_int', ch('A'))).toBe(65);
    expect(h.call('to_int', ch('😀'))).toBe(0x1f600);
    expect(h.call('to_char', 0x1f600)).toEqual(ch('😀'));
    expect(kindOf(() => h.call('to_char', 0xd800))).toBe('ErrorArithmetic');
    expect(kindOf(() => h.call('to_char', -1))).toBe('ErrorArithmetic');
    expect(kindOf(() => h.call('to_char', 0x110000))).toBe('ErrorArithmetic');
  });
  it('min and max', () => {
    expect(h.call('max', ch('h'), ch('w'))).toEqual(ch('w'));
    expect(h.call('min', ch('h'), ch('w'))).toEqual(ch('h'));
  });
  it('to_string and to_debug', () => {
    expect(h.call('to_string', ch('x'))).toBe('x');
    expect(h.call('to_debug', ch('x'))).toBe("'x'");
  });
});
