import { describe, expect, it } from 'vitest';
import {
  Engine,
  type FnPtr,
  fromJs,
  RBlob,
  RChar,
  RFloat,
  RhaiError,
  Scope,
  toJs,
  typeOf,
} from '../../../server/rhai/index.js';

describe('host functions', () => {
  it('registers functions with overloads by type', () => {
    const e = new Engine();
    e.registerFn('describe', ['int'], () => 'int');
    e.registerFn('describe', ['string'], () => 'string');
    e.registerFn('describe', ['any', 'any'], () => 'pair');
    expect(e.eval('[describe(1), describe("a"), describe(1, "x"), 5.describe()]')).toEqual([
      'int',
      'string',
      'pair',
      'int',
    ]);
    expect(() => e.eval('describe(1.5)')).toThrow(/describe \(f64\)/);
  });

  it('lets natives call back into scripts and replace the receiver', () => {
    const e = new Engine();
    e.registerFn('twice', ['fnptr', 'any'], (ctx, [f, x]) =>
      ctx.callFnPtr(f as FnPtr, [ctx.callFnPtr(f as FnPtr, [x])]),
    );
    e.registerFn('shout', ['string'], (ctx, [s]) => {
      ctx.setThis(`${String(s).toUpperCase()}!`);
      return undefined;
    });
    expect(e.eval('twice(|x| x * 3, 2)')).toBe(18);
    expect(e.eval('let s = "hi"; s.shout(); s')).toBe('HI!');
    expect(e.eval('let a = ["hi"]; a[0].shout(); a')).toEqual(['HI!']);
  });

  it('fills in the call position of native errors', () => {
    const e = new Engine();
    e.registerFn('bad', [], () => {
      throw RhaiError.arithmetic('nope');
    });
    try {
      e.eval('1;\n  bad()');
      expect.unreachable();
    } catch (err) {
      expect((err as RhaiError).kind).toBe('ErrorArithmetic');
      expect((err as RhaiError).position).toEqual({ line: 2, column: 3 });
    }
  });
});

describe('scope', () => {
  it('shares variables with the host and keeps top-level definitions', () => {
    const e = new Engine();
    const scope = new Scope().push('req', { path: '/x', n: 2 }).pushConstant('K', 7);
    expect(e.eval('let y = req.path + K; req.n += 1; y', scope)).toBe('/x7');
    expect(scope.get('y')).toBe('/x7');
    expect(scope.get('req')).toEqual({ path: '/x', n: 3 });
    expect(e.eval('y + "!"', scope)).toBe('/x7!');
    expect(() => e.eval('K = 1', scope)).toThrow(/Cannot modify constant K/);
    expect(e.eval('const Z = 1; fn f() { global::K } f()', scope)).toBe(7);
    expect(scope.isConstant('Z')).toBe(true);
  });

  it('strict variables mode rejects unknown names at compile time', () => {
    const e = new Engine({ strictVariables: true });
    expect(() => e.compile('x + 1')).toThrow(RhaiError);
    const scope = new Scope().push('x', 1);
    expect(e.eval('x + 1', scope)).toBe(2);
  });
});

describe('conversion', () => {
  it('converts Rhai values to JS', () => {
    const e = new Engine();
    expect(e.eval('()')).toBe(null);
    expect(e.eval("'c'")).toBe('c');
    expect(e.eval('2.0')).toBe(2);
    expect(e.eval('9223372036854775807')).toBe(9223372036854775807n);
    expect(e.eval('#{b: [1, #{c: ()}]}')).toEqual({ b: [1, { c: null }] });
    expect(e.eval('Fn("foo")')).toBe('foo');
    expect(e.eval('blob(2, 7)')).toEqual(new Uint8Array([7, 7]));
    expect(e.eval('1..3')).toEqual(
      Object.assign(Object.create(null), { start: 1, end: 3, inclusive: false }),
    );
  });

  it('converts JS values to Rhai', () => {
    expect(fromJs(1)).toBe(1);
    expect(fromJs(1.5)).toBe(1.5);
    expect(fromJs(-0)).toBeInstanceOf(RFloat);
    expect(fromJs(2n ** 60n)).toBe(2n ** 60n);
    expect(() => fromJs(2n ** 64n)).toThrow(RhaiError);
    expect(fromJs(null)).toBe(undefined);
    expect(fromJs(new Uint8Array([1]))).toBeInstanceOf(RBlob);
    const m = fromJs({ a: [1, 'x'], b: { c: true } });
    expect(m).toBeInstanceOf(Map);
    expect(toJs(m)).toEqual({ a: [1, 'x'], b: { c: true } });
    expect(() => fromJs(() => 1)).toThrow(RhaiError);
    expect(typeOf(fromJs(new Date(0)))).toBe('i64');
    expect(toJs(RChar.of(65))).toBe('A');
  });
});

describe('reuse across runs', () => {
  it('runs the same AST repeatedly with fresh globals', () => {
    const e = new Engine();
    const ast = e.compile('const N = 2; fn f() { global::N * 21 } f()');
    for (let i = 0; i < 5; i++) expect(e.eval(ast)).toBe(42);
  });

  it('lets a closure created in one run be called in a later one', () => {
    const e = new Engine();
    const scope = new Scope();
    e.eval('let k = 10; let add = |v| v + k;', scope);
    expect(e.eval('add.call(5)', scope)).toBe(15);
  });

  it('supports re-entrant evaluation from a host function', () => {
    const e = new Engine();
    const ast = e.compile('fn twice(x) { x * 2 } let r = twice(N); if N < 3 { r + inner(N + 1) } else { r }');
    e.registerFn('inner', ['int'], (_ctx, [n]) => {
      const s = new Scope().push('N', n);
      return e.evalRaw(ast, s);
    });
    const scope = new Scope().push('N', 1);
    expect(e.eval(ast, scope)).toBe(2 + 4 + 6);
  });

  it('keeps modules separate per run', () => {
    const e = new Engine();
    e.setModuleResolver({ resolve: (p) => (p === 'm' ? 'export let n = 0; fn inc() { 1 }' : null) });
    const ast = e.compile('import "m" as m; m::n + m::inc()');
    expect(e.eval(ast)).toBe(1);
    expect(e.eval(ast)).toBe(1);
  });
});
