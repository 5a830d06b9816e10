import { describe, expect, it } from 'vitest';
import { FnPtr, type Value } from '../../../server/rhai/runtime/value.js';
import { ch, closure, fl, Harness, kindOf, map, range } from './harness.js';

const h = new Harness();
const n = (v: Value) => v as number;

describe('array: access', () => {
  it('len, is_empty (methods and properties)', () => {
    expect(h.call('len', [1, 2, 3])).toBe(3);
    expect(h.call('get$len', [])).toBe(0);
    expect(h.call('is_empty', [])).toBe(true);
    expect(h.call('get$is_empty', [1])).toBe(false);
  });
  it('get returns a copy, () when out of bounds', () => {
    expect(h.call('get', [1, 2, 3], 0)).toBe(1);
    expect(h.call('get', [1, 2, 3], -1)).toBe(3);
    expect(h.call('get', [1, 2, 3], 99)).toBeUndefined();
    expect(h.call('get', [1, 2, 3], -4)).toBeUndefined();
    const inner = [1];
    const got = h.call('get', [inner], 0) as Value[];
    got.push(2);
    expect(inner).toEqual([1]);
  });
  it('set ignores positions out of bounds', () => {
    const x = [1, 2, 3];
    h.call('set', x, 0, 42);
    h.call('set', x, -3, 0);
    h.call('set', x, 99, 123);
    expect(x).toEqual([0, 2, 3]);
  });
  it('contains and index_of a value', () => {
    const x = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5];
    expect(h.call('contains', x, 4)).toBe(true);
    expect(h.call('contains', x, fl(4))).toBe(true);
    expect(h.call('contains', [[1, 2]], [1, 2])).toBe(true);
    expect(h.call('index_of', x, 4)).toBe(3);
    expect(h.call('index_of', x, 9)).toBe(-1);
    expect(h.call('index_of', x, true)).toBe(-1);
    expect(h.call('index_of', x, 4, 5)).toBe(7);
    expect(h.call('index_of', x, 4, 15)).toBe(-1);
    expect(h.call('index_of', x, 4, -5)).toBe(11);
  });
});

describe('array: growing and shrinking', () => {
  it('push, append, insert, pad', () => {
    const x: Value[] = [1, 2, 3];
    h.call('push', x, 'hello');
    expect(x).toEqual([1, 2, 3, 'hello']);
    h.call('append', x, [true, ch('x')]);
    expect(x).toEqual([1, 2, 3, 'hello', true, ch('x')]);
    const y: Value[] = [1, 2, 3];
    h.call('insert', y, 0, 'hello');
    h.call('insert', y, 2, true);
    h.call('insert', y, -2, 42);
    h.call('insert', y, 999, 4);
    h.call('insert', y, -999, 0);
    expect(y).toEqual([0, 'hello', 1, true, 42, 2, 3, 4]);
    const z: Value[] = [1, 2, 3];
    h.call('pad', z, 5, 42);
    h.call('pad', z, 3, 123);
    expect(z).toEqual([1, 2, 3, 42, 42]);
  });
  it('pushed containers are copies', () => {
    const inner: Value[] = [1];
    const x: Value[] = [];
    h.call('push', x, inner);
    inner.push(2);
    expect(x).toEqual([[1]]);
  });
  it('pop, shift, remove', () => {
    const x = [1, 2, 3];
    expect(h.call('pop', x)).toBe(3);
    expect(h.call('shift', x)).toBe(1);
    expect(x).toEqual([2]);
    expect(h.call('pop', [])).toBeUndefined();
    expect(h.call('shift', [])).toBeUndefined();
    const y = [1, 2, 3];
    expect(h.call('remove', y, 1)).toBe(2);
    expect(h.call('remove', y, -2)).toBe(1);
    expect(h.call('remove', y, 5)).toBeUndefined();
    expect(y).toEqual([3]);
  });
  it('clear, truncate, chop, reverse', () => {
    const x = [1, 2, 3, 4, 5];
    h.call('truncate', x, 3);
    h.call('truncate', x, 10);
    expect(x).toEqual([1, 2, 3]);
    const y = [1, 2, 3, 4, 5];
    h.call('chop', y, 3);
    h.call('chop', y, 10);
    expect(y).toEqual([3, 4, 5]);
    h.call('reverse', y);
    expect(y).toEqual([5, 4, 3]);
    h.call('chop', y, 0);
    expect(y).toEqual([]);
    const z = [1];
    h.call('clear', z);
    expect(z).toEqual([]);
  });
  it('split', () => {
    const x = [1, 2, 3, 4, 5];
    expect(h.call('split', x, 2)).toEqual([3, 4, 5]);
    expect(x).toEqual([1, 2]);
    const y = [1, 2, 3];
    expect(h.call('split', y, -1)).toEqual([3]);
    expect(h.call('split', y, 9)).toEqual([]);
    expect(h.call('split', y, -9)).toEqual([1, 2]);
    expect(y).toEqual([]);
  });
});

describe('array: portions', () => {
  it('extract', () => {
    const x = [1, 2, 3, 4, 5];
    expect(h.call('extract', x, range(1, 3))).toEqual([2, 3]);
    expect(h.call('extract', x, range(1, 3, true))).toEqual([2, 3, 4]);
    expect(h.call('extract', x, 2)).toEqual([3, 4, 5]);
    expect(h.call('extract', x, -3)).toEqual([3, 4, 5]);
    expect(h.call('extract', x, 1, 3)).toEqual([2, 3, 4]);
    expect(h.call('extract', x, -3, 2)).toEqual([3, 4]);
    expect(h.call('extract', x, -99)).toEqual(x);
    expect(h.call('extract', x, 9)).toEqual([]);
    expect(x).toEqual([1, 2, 3, 4, 5]);
  });
  it('drain and retain by position or range', () => {
    const x = [1, 2, 3, 4, 5];
    expect(h.call('drain', x, 1, 2)).toEqual([2, 3]);
    expect(h.call('drain', x, -1, 1)).toEqual([5]);
    expect(x).toEqual([1, 4]);
    const y = [1, 2, 3, 4, 5];
    expect(h.call('drain', y, range(1, 3))).toEqual([2, 3]);
    expect(h.call('drain', y, range(2, 2, true))).toEqual([5]);
    expect(y).toEqual([1, 4]);
    const z = [1, 2, 3, 4, 5];
    expect(h.call('retain', z, 1, 2)).toEqual([1, 4, 5]);
    expect(h.call('retain', z, -1, 1)).toEqual([2]);
    expect(z).toEqual([3]);
    const w = [1, 2, 3, 4, 5];
    expect(h.call('retain', w, range(1, 4))).toEqual([1, 5]);
    expect(h.call('retain', w, range(1, 2, true))).toEqual([2]);
    expect(w).toEqual([3, 4]);
    expect(h.call('retain', w, 0, 0)).toEqual([3, 4]);
    expect(w).toEqual([]);
  });
  it('splice', () => {
    const x = [1, 2, 3, 4, 5];
    h.call('splice', x, 1, 2, [7, 8, 9, 10]);
    expect(x).toEqual([1, 7, 8, 9, 10, 4, 5]);
    h.call('splice', x, -5, 4, [7, 8, 9, 10]);
    expect(x).toEqual([1, 7, 7, 8, 9, 10, 5]);
    const y = [1, 2, 3, 4, 5];
    h.call('splice', y, range(1, 3, true), [7, 8, 9, 10]);
    expect(y).toEqual([1, 7, 8, 9, 10, 5]);
    const z = [1];
    h.call('splice', z, 5, 1, [2]);
    expect(z).toEqual([1, 2]);
  });
});

describe('array: callbacks', () => {
  const x = [1, 2, 3, 4, 5];
  it('map and filter with element, element+index, and this', () => {
    expect(
      h.call(
        'map',
        x,
        closure(1, ([v]) => n(v) * n(v)),
      ),
    ).toEqual([1, 4, 9, 16, 25]);
    expect(
      h.call(
        'map',
        x,
        closure(2, ([v, i]) => n(v) * n(i)),
      ),
    ).toEqual([0, 2, 6, 12, 20]);
    expect(
      h.call(
        'map',
        x,
        closure(0, (_a, self) => n(self.value) + 1),
      ),
    ).toEqual([2, 3, 4, 5, 6]);
    expect(
      h.call(
        'filter',
        x,
        closure(1, ([v]) => n(v) >= 3),
      ),
    ).toEqual([3, 4, 5]);
    expect(
      h.call(
        'filter',
        x,
        closure(2, ([v, i]) => n(v) * n(i) >= 10),
      ),
    ).toEqual([4, 5]);
    expect(h.call('filter', x, 'is_odd')).toEqual([1, 3, 5]);
    expect(h.call('filter', x, new FnPtr('is_odd'))).toEqual([1, 3, 5]);
    expect(
      h.call(
        'filter',
        x,
        closure(1, () => 1),
      ),
    ).toEqual([]);
  });
  it('for_each binds each element to this and keeps changes', () => {
    const a = [42, 123, 99];
    h.call(
      'for_each',
      a,
      closure(0, (_a, self) => {
        self.value = n(self.value) * 2;
        return undefined;
      }),
    );
    expect(a).toEqual([84, 246, 198]);
    h.call(
      'for_each',
      a,
      closure(1, ([i], self) => {
        self.value = n(self.value) + n(i);
        return undefined;
      }),
    );
    expect(a).toEqual([84, 247, 200]);
  });
  it('index_of, find, find_map with predicates', () => {
    const y = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5];
    expect(
      h.call(
        'index_of',
        y,
        closure(1, ([v]) => n(v) > 3),
      ),
    ).toBe(3);
    expect(
      h.call(
        'index_of',
        y,
        closure(1, ([v]) => n(v) > 8),
      ),
    ).toBe(-1);
    expect(
      h.call(
        'index_of',
        y,
        closure(2, ([v, i]) => n(v) * n(i) > 20),
      ),
    ).toBe(7);
    expect(
      h.call(
        'index_of',
        y,
        closure(1, ([v]) => n(v) > 1),
        3,
      ),
    ).toBe(3);
    expect(
      h.call(
        'index_of',
        y,
        closure(1, ([v]) => n(v) > 1),
        -5,
      ),
    ).toBe(9);
    expect(
      h.call(
        'index_of',
        y,
        closure(1, ([v]) => n(v) > 1),
        -99,
      ),
    ).toBe(1);
    const z = [1, 2, 3, 5, 8, 13];
    expect(
      h.call(
        'find',
        z,
        closure(1, ([v]) => n(v) > 3),
      ),
    ).toBe(5);
    expect(
      h.call(
        'find',
        z,
        closure(1, ([v]) => n(v) > 13),
      ),
    ).toBeUndefined();
    expect(
      h.call(
        'find',
        z,
        closure(2, ([v, i]) => n(v) * n(i) > 13),
      ),
    ).toBe(5);
    expect(
      h.call(
        'find',
        z,
        closure(1, ([v]) => n(v) > 1),
        -3,
      ),
    ).toBe(5);
    const ms = [map({ alice: 1 }), map({ bob: 2 }), map({ clara: 3 })];
    expect(
      h.call(
        'find_map',
        ms,
        closure(1, ([m]) => (m as Map<string, Value>).get('bob')),
      ),
    ).toBe(2);
    expect(
      h.call(
        'find_map',
        ms,
        closure(1, ([m]) => (m as Map<string, Value>).get('dave')),
      ),
    ).toBeUndefined();
  });
  it('some and all', () => {
    expect(
      h.call(
        'some',
        x,
        closure(1, ([v]) => n(v) > 4),
      ),
    ).toBe(true);
    expect(
      h.call(
        'some',
        x,
        closure(2, ([v, i]) => n(i) > n(v)),
      ),
    ).toBe(false);
    expect(
      h.call(
        'all',
        x,
        closure(1, ([v]) => n(v) > 0),
      ),
    ).toBe(true);
    expect(
      h.call(
        'all',
        x,
        closure(1, ([v]) => n(v) > 1),
      ),
    ).toBe(false);
    expect(
      h.call(
        'all',
        [],
        closure(1, () => false),
      ),
    ).toBe(true);
  });
  it('reduce and reduce_rev', () => {
    const sum = closure(2, ([r, v]) => n(v) + (r === undefined ? 0 : n(r)));
    expect(h.call('reduce', x, sum)).toBe(15);
    expect(
      h.call(
        'reduce',
        x,
        closure(3, ([r, v, i]) => n(v) + n(i) + (r === undefined ? 0 : n(r))),
      ),
    ).toBe(25);
    expect(
      h.call(
        'reduce',
        x,
        closure(2, ([r, v]) => n(r) + n(v)),
        5,
      ),
    ).toBe(20);
    expect(
      h.call(
        'reduce',
        x,
        closure(1, ([r], self) => n(r) + n(self.value)),
        0,
      ),
    ).toBe(15);
    expect(h.call('reduce', [], sum, 7)).toBe(7);
    const order: Value[] = [];
    h.call(
      'reduce_rev',
      x,
      closure(3, ([r, v, i]) => {
        order.push(i);
        return n(v) + (r === undefined ? 0 : n(r));
      }),
    );
    expect(order).toEqual([4, 3, 2, 1, 0]);
    expect(
      h.call(
        'reduce_rev',
        ['a', 'b'],
        closure(2, ([r, v]) => `${r ?? ''}${v as string}`),
      ),
    ).toBe('ba');
  });
  it('drain and retain with predicates', () => {
    const a = [1, 2, 3, 4, 5];
    expect(
      h.call(
        'drain',
        a,
        closure(1, ([v]) => n(v) < 3),
      ),
    ).toEqual([1, 2]);
    expect(
      h.call(
        'drain',
        a,
        closure(2, ([v, i]) => n(v) + n(i) > 5),
      ),
    ).toEqual([5]);
    expect(a).toEqual([3, 4]);
    const b = [1, 2, 3, 4, 5];
    expect(
      h.call(
        'retain',
        b,
        closure(1, ([v]) => n(v) >= 3),
      ),
    ).toEqual([1, 2]);
    expect(
      h.call(
        'retain',
        b,
        closure(2, ([v, i]) => n(v) + n(i) <= 5),
      ),
    ).toEqual([5]);
    expect(b).toEqual([3, 4]);
  });
  it('a failing predicate leaves the unvisited elements in place', () => {
    const a = [1, 2, 3, 4];
    const boom = closure(1, ([v]) => {
      if (v === 3) throw new Error('boom');
      return n(v) === 1;
    });
    expect(() => h.call('drain', a, boom)).toThrow('boom');
    expect(a).toEqual([2, 3, 4]);
  });
  it('zip', () => {
    expect(
      h.call(
        'zip',
        [1, 2, 3, 4, 5],
        [9, 8, 7, 6],
        closure(2, ([a, b]) => n(a) + n(b)),
      ),
    ).toEqual([10, 10, 10, 10]);
    expect(
      h.call(
        'zip',
        [1, 2, 3, 4, 5],
        [9, 8, 7, 6],
        closure(3, ([a, b, i]) => n(a) + n(b) + n(i)),
      ),
    ).toEqual([10, 11, 12, 13]);
  });
  it('a callback with the wrong arity is an error', () => {
    expect(
      kindOf(() =>
        h.call(
          'map',
          x,
          closure(3, () => 0),
        ),
      ),
    ).toBe('ErrorFunctionNotFound');
    expect(kindOf(() => h.call('filter', x, 'no_such_function'))).toBe('ErrorFunctionNotFound');
  });
});

describe('array: ordering', () => {
  it('sort homogeneous arrays', () => {
    const a = [1, 3, 5, 7, 9, 2, 4, 6, 8, 10];
    h.call('sort', a);
    expect(a).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const s = ['b', 'a', 'C'];
    h.call('sort', s);
    expect(s).toEqual(['C', 'a', 'b']);
    const c = [ch('z'), ch('a')];
    h.call('sort_desc', c);
    expect(c).toEqual([ch('z'), ch('a')]);
    const b = [true, false];
    h.call('sort', b);
    expect(b).toEqual([false, true]);
    const f = [2.5, 0.5, 1.5];
    h.call('sort_desc', f);
    expect(f).toEqual([2.5, 1.5, 0.5]);
    const big = [2n ** 60n, 1, -(2n ** 60n)];
    h.call('sort', big);
    expect(big).toEqual([-(2n ** 60n), 1, 2n ** 60n]);
  });
  it('sort refuses mixed or unsortable types', () => {
    expect(kindOf(() => h.call('sort', [1, 'a']))).toBe('ErrorFunctionNotFound');
    expect(kindOf(() => h.call('sort', [1, 2.5]))).toBe('ErrorFunctionNotFound');
    expect(kindOf(() => h.call('sort', [[1], [2]]))).toBe('ErrorFunctionNotFound');
  });
  it('sort with a comparer returning INT or bool; stable; () elements reach the comparer', () => {
    const a = [1, 3, 5, 7, 9, 2, 4, 6, 8, 10];
    h.call(
      'sort',
      a,
      closure(2, ([x, y]) => n(y) - n(x)),
    );
    expect(a).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const b = [3, 1, 2];
    h.call(
      'sort',
      b,
      closure(2, ([x, y]) => n(x) <= n(y)),
    );
    expect(b).toEqual([1, 2, 3]);
    const pairs = [map({ k: 1, v: 'a' }), map({ k: 0, v: 'b' }), map({ k: 1, v: 'c' })];
    h.call(
      'sort',
      pairs,
      closure(2, ([x, y]) => n((x as Map<string, Value>).get('k')) - n((y as Map<string, Value>).get('k'))),
    );
    expect(pairs.map((m) => m.get('v'))).toEqual(['b', 'a', 'c']);
    const withUnit: Value[] = [undefined, 2, 1];
    h.call(
      'sort',
      withUnit,
      closure(2, ([x, y]) => (x === undefined ? -1 : y === undefined ? 1 : n(x) - n(y))),
    );
    expect(withUnit).toEqual([undefined, 1, 2]);
  });
  it('order / order_by / order_desc return sorted copies', () => {
    const a = [3, 1, 2];
    expect(h.call('order', a)).toEqual([1, 2, 3]);
    expect(h.call('order_desc', a)).toEqual([3, 2, 1]);
    expect(
      h.call(
        'order_by',
        a,
        closure(2, ([x, y]) => n(y) - n(x)),
      ),
    ).toEqual([3, 2, 1]);
    expect(a).toEqual([3, 1, 2]);
  });
  it('dedup with == or a comparer', () => {
    const a = [1, 2, 2, 2, 3, 4, 3, 3, 2, 1];
    h.call('dedup', a);
    expect(a).toEqual([1, 2, 3, 4, 3, 2, 1]);
    const b = [1, 2, 2, 2, 3, 1, 2, 3, 4, 3, 3, 2, 1];
    h.call(
      'dedup',
      b,
      closure(2, ([p, c]) => n(p) >= n(c)),
    );
    expect(b).toEqual([1, 2, 3, 4]);
    const c = [1, 1];
    h.call('dedup', c, 'no_such_function');
    expect(c).toEqual([1, 1]);
  });
});

describe('array: limits and operations', () => {
  const small = new Harness({ limits: { maxArraySize: 3 } });
  it('growth beyond maxArraySize is refused before changing the array', () => {
    const a = [1, 2, 3];
    expect(kindOf(() => small.call('push', a, 4))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('insert', a, 0, 4))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('append', a, [4]))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('pad', [], 4, 0))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('splice', a, 0, 0, [1]))).toBe('ErrorDataTooLarge');
    expect(a).toEqual([1, 2, 3]);
  });
  it('large scans are charged to the operation budget', () => {
    const budget = new Harness({ limits: { maxOperations: 1000 } });
    const big = new Array(5000).fill(0);
    expect(kindOf(() => budget.call('contains', big, 1))).toBe('ErrorTooManyOperations');
  });
});
