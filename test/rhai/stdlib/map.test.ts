import { describe, expect, it } from 'vitest';
import type { Value } from '../../../server/rhai/runtime/value.js';
import { closure, Harness, kindOf, map } from './harness.js';

const h = new Harness();
type M = Map<string, Value>;
const n = (v: Value) => v as number;

describe('map: basics', () => {
  it('len, is_empty, contains, get', () => {
    const m = map({ a: 1, b: 2, c: 3 });
    expect(h.call('len', m)).toBe(3);
    expect(h.call('is_empty', new Map())).toBe(true);
    expect(h.call('contains', m, 'b')).toBe(true);
    expect(h.call('contains', m, 'x')).toBe(false);
    expect(h.call('get', m, 'b')).toBe(2);
    expect(h.call('get', m, 'x')).toBeUndefined();
  });
  it('maps have no len property getter (m.len reads a property, as in Rhai)', () => {
    expect(kindOf(() => h.call('get$len', map({})))).toBe('ErrorFunctionNotFound');
  });
  it('property names are plain keys, including __proto__', () => {
    const m: M = new Map();
    h.call('set', m, '__proto__', 1);
    h.call('set', m, 'constructor', 2);
    expect(h.call('get', m, '__proto__')).toBe(1);
    expect(h.call('keys', m)).toEqual(['__proto__', 'constructor']);
  });
  it('set, remove, clear', () => {
    const m = map({ a: 1, b: 2, c: 3 });
    h.call('set', m, 'b', 42);
    h.call('set', m, 'x', 0);
    expect([...m.entries()].sort()).toEqual([
      ['a', 1],
      ['b', 42],
      ['c', 3],
      ['x', 0],
    ]);
    expect(h.call('remove', m, 'b')).toBe(42);
    expect(h.call('remove', m, 'zzz')).toBeUndefined();
    h.call('clear', m);
    expect(m.size).toBe(0);
  });
  it('keys and values in key order; values are copies', () => {
    const inner: Value[] = [1];
    const m = map({ c: 3, a: inner, b: 2 });
    expect(h.call('keys', m)).toEqual(['a', 'b', 'c']);
    const values = h.call('values', m) as Value[];
    expect(values).toEqual([[1], 2, 3]);
    (values[0] as Value[]).push(9);
    expect(inner).toEqual([1]);
  });
  it('mixin, +=, + and fill_with', () => {
    const m = map({ a: 1, b: 2, c: 3 });
    h.call('mixin', m, map({ a: 42, d: 0 }));
    expect(m).toEqual(map({ a: 42, b: 2, c: 3, d: 0 }));
    const p = map({ a: 1 });
    const sum = h.call('+', p, map({ b: 2 }));
    expect(sum).toEqual(map({ a: 1, b: 2 }));
    expect(p).toEqual(map({ a: 1 }));
    h.call('+=', p, map({ a: 5 }));
    expect(p).toEqual(map({ a: 5 }));
    const f = map({ a: 1, b: 2, c: 3 });
    h.call('fill_with', f, map({ a: 42, d: 0 }));
    expect(f).toEqual(map({ a: 1, b: 2, c: 3, d: 0 }));
  });
});

describe('map: callbacks', () => {
  const x = () => map({ a: 1, b: 2, c: 3, d: 4, e: 5 });
  it('map and filter with (key, value) or key + this', () => {
    expect(
      h.call(
        'map',
        x(),
        closure(1, (_a, self) => n(self.value) * 2),
      ),
    ).toEqual(map({ a: 2, b: 4, c: 6, d: 8, e: 10 }));
    expect(
      h.call(
        'map',
        x(),
        closure(2, ([k, v]) => n(v) + (k as string).length),
      ),
    ).toEqual(map({ a: 2, b: 3, c: 4, d: 5, e: 6 }));
    expect(
      h.call(
        'filter',
        x(),
        closure(1, (_a, self) => n(self.value) >= 3),
      ),
    ).toEqual(map({ c: 3, d: 4, e: 5 }));
    expect(
      h.call(
        'filter',
        x(),
        closure(2, ([k, v]) => k !== 'd' && n(v) < 5),
      ),
    ).toEqual(map({ a: 1, b: 2, c: 3 }));
  });
  it('drain and retain', () => {
    const m = x();
    expect(
      h.call(
        'drain',
        m,
        closure(1, (_a, self) => n(self.value) < 3),
      ),
    ).toEqual(map({ a: 1, b: 2 }));
    expect(m).toEqual(map({ c: 3, d: 4, e: 5 }));
    expect(
      h.call(
        'drain',
        m,
        closure(2, ([k, v]) => k === 'c' || n(v) >= 5),
      ),
    ).toEqual(map({ c: 3, e: 5 }));
    expect(m).toEqual(map({ d: 4 }));
    const r = x();
    expect(
      h.call(
        'retain',
        r,
        closure(1, (_a, self) => n(self.value) < 3),
      ),
    ).toEqual(map({ c: 3, d: 4, e: 5 }));
    expect(r).toEqual(map({ a: 1, b: 2 }));
  });
});

describe('map: limits', () => {
  const small = new Harness({ limits: { maxMapSize: 2 } });
  it('refuses growth beyond maxMapSize', () => {
    const m = map({ a: 1, b: 2 });
    expect(kindOf(() => small.call('set', m, 'c', 3))).toBe('ErrorDataTooLarge');
    small.call('set', m, 'a', 9);
    expect(kindOf(() => small.call('mixin', m, map({ z: 1 })))).toBe('ErrorDataTooLarge');
    expect(m).toEqual(map({ a: 9, b: 2 }));
  });
});
