/**
 * The code generator compiles the built-in `len`, `push` and `range` inline for arrays and integer
 * ranges. These tests check that the inline versions behave exactly like the natives (limits and
 * operation counts included) and step aside whenever a host or a script supplies its own.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../server/rhai/index.js';

const ops = (engine: Engine, src: string): number => {
  const stats = { operations: 0 };
  engine.evalRaw(src, undefined, { stats });
  return stats.operations;
};

describe('inlined natives', () => {
  it.each([
    ['let a = [1, 2]; a.push(3); a.len() + a.len', 6],
    ['let a = []; for i in 0..5 { a.push(i) } a', [0, 1, 2, 3, 4]],
    ['let a = []; a.push([1]); a.push(#{x: 1}); a.len', 2],
    ['let s = 0; for i in range(0, 10, 3) { s += i } s', 18],
    ['let s = []; for i in range(5, 0, -2) { s.push(i) } s', [5, 3, 1]],
    ['let s = []; for i in range(0, 3) { s.push(i) } s', [0, 1, 2]],
    ['let s = 0; for i in range(10, 1, 2) { s += 1 } s', 0],
    ['let s = 0.0; for x in range(1.0, 4.0, 1.5) { s += x } s', 3.5],
    ['let n = 0; for (x, i) in range(10, 20, 5) { n += i } n', 1],
    ['let a = [1]; let m = #{len: 5}; m.len + a.len', 6],
  ])('%s', (src, expected) => {
    expect(new Engine().eval(src)).toEqual(expected);
  });

  it('counts the same operations as the natives they replace', () => {
    const inlined = new Engine();
    const plain = new Engine();
    // Registering any of the inlined names turns the inline versions off for that engine.
    plain.registerFn('len', ['unit'], () => 0);
    for (const src of [
      'let a = []; for i in 0..100 { a.push(i); a.len(); a.len }',
      'for i in range(0, 50, 2) {}',
    ]) {
      expect(ops(inlined, src)).toBe(ops(plain, src));
    }
  });

  it('keeps the array size limit of push', () => {
    const engine = new Engine({ limits: { maxArraySize: 3 } });
    expect(() => engine.eval('let a = []; for i in 0..10 { a.push(i) }')).toThrow(
      expect.objectContaining({ kind: 'ErrorDataTooLarge' }),
    );
  });

  it('refuses push on a constant', () => {
    expect(() => new Engine().eval('const A = [1]; A.push(2)')).toThrow(
      expect.objectContaining({ kind: 'ErrorNonPureMethodCallOnConstant' }),
    );
  });

  it('reports a zero step through the native', () => {
    expect(() => new Engine().eval('for i in range(0, 10, 0) {}')).toThrow(
      expect.objectContaining({ kind: 'ErrorArithmetic' }),
    );
  });

  it('honours a host override of push, len and range', () => {
    const engine = new Engine();
    engine.registerFn('push', ['array', 'int'], () => 'host push');
    engine.registerFn('len', ['array'], () => 99);
    engine.registerFn('range', ['int', 'int', 'int'], () => [7]);
    expect(engine.eval('let a = []; a.push(1)')).toBe('host push');
    expect(engine.eval('[1, 2].len()')).toBe(99);
    expect(engine.eval('let s = []; for i in range(0, 10, 1) { s += i } s')).toEqual([7]);
  });

  it('honours script functions of the same names', () => {
    const engine = new Engine();
    expect(engine.eval('fn push(x) { this.insert(0, x) } let a = [1]; a.push(0); a')).toEqual([0, 1]);
    expect(engine.eval('fn len() { 7 } [1].len()')).toBe(7);
    expect(engine.eval('fn range(a, b, c) { [a] } let s = []; for i in range(4, 9, 1) { s += i } s')).toEqual(
      [4],
    );
  });
});
