import { describe, expect, it } from 'vitest';
import { Harness, kindOf, range } from './harness.js';

const h = new Harness();

describe('bit-field', () => {
  it('get_bit, including positions from the MSB', () => {
    expect(h.call('get_bit', 123456, 5)).toBe(false);
    expect(h.call('get_bit', 123456, 6)).toBe(true);
    expect(h.call('get_bit', 123456, -48)).toBe(true);
    expect(h.call('get_bit', -1, 63)).toBe(true);
    expect(kindOf(() => h.call('get_bit', 1, 64))).toBe('ErrorBitFieldBounds');
    expect(kindOf(() => h.call('get_bit', 1, -65))).toBe('ErrorBitFieldBounds');
  });
  it('set_bit changes the receiver', () => {
    expect(h.mutate('set_bit', 123456, 5, true)).toBe(123488);
    expect(h.mutate('set_bit', 123488, 6, false)).toBe(123424);
    expect(h.mutate('set_bit', 123424, -48, false)).toBe(57888);
    expect(h.mutate('set_bit', 0, 63, true)).toBe(-9223372036854775808n);
  });
  it('get_bits', () => {
    expect(h.call('get_bits', 123456, 5, 8)).toBe(18);
    expect(h.call('get_bits', 123456, range(5, 10))).toBe(18);
    expect(h.call('get_bits', 123456, range(5, 9, true))).toBe(18);
    expect(h.call('get_bits', -1, 0, 64)).toBe(-1);
    expect(h.call('get_bits', -1, 60, 10)).toBe(15);
    expect(h.call('get_bits', 5, 0, 0)).toBe(0);
    expect(kindOf(() => h.call('get_bits', 5, range(0, 64, true)))).toBe('ErrorBitFieldBounds');
  });
  it('set_bits', () => {
    expect(h.mutate('set_bits', 123456, 5, 8, 42)).toBe(124224);
    expect(h.mutate('set_bits', 124224, -16, 10, 42)).toBe(11821949021971776n);
    expect(h.mutate('set_bits', 123456, range(5, 10), 42)).toBe(123200);
    expect(h.mutate('set_bits', 123456, range(5, 9, true), 42)).toBe(123200);
    expect(h.mutate('set_bits', 7, 0, 64, -2)).toBe(-2);
    expect(h.mutate('set_bits', 7, 0, 0, 0)).toBe(7);
  });
  it('bits iterates from the least significant bit', () => {
    expect(h.call('bits', 5, 0, 4)).toEqual([true, false, true, false]);
    expect(h.call('bits', 6, 1, 2)).toEqual([true, true]);
    expect(h.call('bits', 5, range(0, 3))).toEqual([true, false, true]);
    expect(h.call('bits', 5, range(0, 2, true))).toEqual([true, false, true]);
    expect((h.call('get$bits', 0) as boolean[]).length).toBe(64);
    expect((h.call('bits', -1, 60) as boolean[]).length).toBe(4);
    expect(kindOf(() => h.call('bits', 1, 64))).toBe('ErrorBitFieldBounds');
  });
});
