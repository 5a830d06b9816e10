import { describe, expect, it } from 'vitest';
import { type RCustom, RFloat, RRange, typeOf, type Value } from '../../../server/rhai/runtime/value.js';
import { fl, Harness, kindOf, range } from './harness.js';

const h = new Harness();

/** The values of a lazy sequence (as a `for` loop would see them). */
function values(v: Value): Value[] {
  return [...((v as RCustom).payload as Iterable<Value>)];
}

/** Values of a stepped `range(...)` call. */
const stepped = (...args: Value[]) => values(h.call('range', ...args));

describe('range', () => {
  it('range(from, to) is an exclusive range', () => {
    expect(h.call('range', 8, 18)).toEqual(new RRange(8, 18, false));
  });
  it('stepped ranges go forwards, backwards, or nowhere', () => {
    expect(stepped(8, 18, 3)).toEqual([8, 11, 14, 17]);
    expect(stepped(18, 8, -3)).toEqual([18, 15, 12, 9]);
    expect(stepped(8, 18, -3)).toEqual([]);
    expect(stepped(18, 8, 3)).toEqual([]);
    expect(stepped(range(8, 18), 3)).toEqual([8, 11, 14, 17]);
    expect(stepped(range(18, 8), -3)).toEqual([18, 15, 12, 9]);
    expect(stepped(range(8, 17, true), 3)).toEqual([8, 11, 14, 17]);
    expect(stepped(range(17, 8, true), -3)).toEqual([17, 14, 11, 8]);
    expect(stepped(fl(0), fl(1), 0.25)).toEqual([new RFloat(0), 0.25, 0.5, 0.75]);
    expect(stepped(fl(1), fl(0), -0.5)).toEqual([new RFloat(1), 0.5]);
    expect(kindOf(() => h.call('range', 1, 5, 0))).toBe('ErrorArithmetic');
    expect(kindOf(() => h.call('range', fl(1), fl(5), fl(0)))).toBe('ErrorArithmetic');
  });
  it('stepped ranges are lazy and can be iterated again', () => {
    const huge = h.call('range', 0, 2n ** 62n, 1);
    expect(typeOf(huge)).toBe('iterator');
    const it = ((huge as RCustom).payload as Iterable<Value>)[Symbol.iterator]();
    expect([it.next().value, it.next().value]).toEqual([0, 1]);
    const r = h.call('range', 1, 4, 1);
    expect(values(r)).toEqual([1, 2, 3]);
    expect(values(r)).toEqual([1, 2, 3]);
  });
  it('stepped ranges beyond the exact JS number range stay exact', () => {
    const top = 9223372036854775807n;
    expect(stepped(top - 2n, top, 1)).toEqual([top - 2n, top - 1n]);
  });
  it('properties', () => {
    const r = range(1, 5);
    const ri = range(1, 5, true);
    expect(h.call('start', r)).toBe(1);
    expect(h.call('get$end', ri)).toBe(5);
    expect(h.call('is_inclusive', ri)).toBe(true);
    expect(h.call('get$is_exclusive', r)).toBe(true);
    expect(h.call('is_empty', range(3, 3))).toBe(true);
    expect(h.call('is_empty', range(3, 3, true))).toBe(false);
    expect(h.call('len', r)).toBe(4);
    expect(h.call('len', ri)).toBe(5);
    expect(h.call('len', range(5, 1))).toBe(0);
  });
  it('contains', () => {
    expect(h.call('contains', range(1, 100), 42)).toBe(true);
    expect(h.call('contains', range(1, 100), 100)).toBe(false);
    expect(h.call('contains', range(1, 100, true), 100)).toBe(true);
  });
});
