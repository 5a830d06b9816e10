import { describe, expect, it } from 'vitest';
import { Engine } from '../../../server/rhai/index.js';
import { fail, run } from './helpers.js';

describe('script functions', () => {
  it.each([
    ['fn add(x, y) { x + y } add(2, 3)', 5],
    ['fn sub(x, y,) { x - y } sub(2, 3,)', -1],
    ['fn f(a) { a } fn f(a, b) { a + b } f(1) + f(2, 3)', 6],
    ['fn fact(n) { if n <= 1 { 1 } else { n * fact(n - 1) } } fact(10)', 3628800],
    ['fn f() { return 5; 6 } f()', 5],
    ['fn f() { let x = 1; } f()', null],
    ['let r = g(); fn g() { 7 } r', 7],
    ['fn change(s) { s = 42; } let x = 500; change(x); x', 500],
    ['fn change() { this = 42; } let x = 500; x.change(); x', 42],
    ['fn add(x) { this += x } let y = 5; y.add(3); y', 8],
    ['fn foo() { this.x = 5 } let m = #{}; m.foo(); m', { x: 5 }],
    ['fn inc() { this.n += 1 } let a = [#{n: 1}]; a[0].inc(); a', [{ n: 2 }]],
    ['fn up() { this.to_upper() } "abc".up()', 'ABC'],
    ['fn len(x) { 99 } len([1, 2])', 99],
    ['const K = 5; fn f() { global::K * 2 } f()', 10],
    ['fn f(x) { x * 2 } [1, 2].map(Fn("f"))', [2, 4]],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('cannot see outer variables', () => {
    const e = fail('let x = 1; fn f() { x } f()');
    // Errors inside a script function are reported as errors in the call, as in Rhai.
    expect(e.kind).toBe('ErrorInFunctionCall');
    expect(e.rootCause.kind).toBe('ErrorVariableNotFound');
  });

  it('binds this only in method calls', () => {
    expect(fail('fn change() { this = 1 } change()').rootCause.kind).toBe('ErrorUnboundThis');
  });

  it('reports missing functions with the signature', () => {
    const e = fail('foo(1, "a")');
    expect(e.kind).toBe('ErrorFunctionNotFound');
    expect(e.message).toBe('Function not found: foo (i64, string)');
    expect(fail('let x = 5; x.foo(1.5)').message).toBe('Function not found: foo (i64, f64)');
  });

  it('limits definitions to the global level', () => {
    expect(fail('{ fn f() {} }').parseKind).toBe('WrongFnDefinition');
    expect(fail('fn f() { fn g() {} }').parseKind).toBe('WrongFnDefinition');
    expect(fail('fn f(a, a) {}').parseKind).toBe('FnDuplicatedParam');
    expect(fail('fn f(a) {} fn f(b) {}').parseKind).toBe('FnDuplicatedDefinition');
    expect(fail('fn f').parseKind).toBe('FnMissingParams');
    expect(fail('fn f()').parseKind).toBe('FnMissingBody');
  });

  it('supports calling in the caller scope with !', () => {
    expect(run('fn foo(y) { x += y; x } let x = 1; let r = foo!(41); [r, x]')).toEqual([42, 42]);
    expect(run('fn foo(y) { let z = 0; x + y } let x = 1; foo!(1); is_def_var("z")')).toBe(false);
    expect(run('fn foo(y) { x * y } let x = 2; let f = Fn("foo"); call!(f, 21)')).toBe(42);
    expect(fail('fn foo() { x } let x = 1; foo()').rootCause.kind).toBe('ErrorVariableNotFound');
    expect(fail('let x = 1; x.foo!()').parseKind).toBe('MalformedCapture');
  });

  it('is_def_fn', () => {
    expect(
      run('fn foo(x) { x + 1 } [is_def_fn("foo", 1), is_def_fn("foo", 0), is_def_fn("bar", 1)]'),
    ).toEqual([true, false, false]);
  });

  it('calls script functions from the host', () => {
    const e = new Engine();
    const ast = e.compile('const BASE = 10; fn add(a, b) { a + b + global::BASE } fn hello(n) { `hi ${n}` }');
    expect(e.callFn(ast, 'add', [2, 3])).toBe(15);
    expect(e.callFn(ast, 'hello', ['bob'])).toBe('hi bob');
    expect(() => e.callFn(ast, 'nope', [])).toThrow(/Function not found/);
  });
});

describe('function pointers and closures', () => {
  it.each([
    ['fn foo(x) { 41 + x } let f = Fn("foo"); f.call(1)', 42],
    ['fn foo(x) { 41 + x } let f = Fn("foo"); call(f, 1)', 42],
    ['let f = Fn("foo"); [f.name, type_of(f), f.is_anonymous]', ['foo', 'Fn', false]],
    ['let f = |x| x * 2; [f.call(21), f.is_anonymous]', [42, true]],
    ['let f = |x| x + 1; f(41)', 42],
    ['fn mul(x, y) { x * y } let c = Fn("mul").curry(21); c.call(2)', 42],
    ['fn mul(x, y) { x * y } let c = curry(Fn("mul"), 21); c.call(2)', 42],
    ['let add = |a, b| a + b; add.curry(1).curry(2).call()', 3],
    ['let f = Fn("len"); f.call("hello")', 5],
    ['let f = Fn("type_of"); f.call(1)', 'i64'],
    ['let x = 1; let f = |y| x + y; x = 40; f.call(2)', 42],
    ['let x = 1; let f = || { x += 1; }; f.call(); f.call(); x', 3],
    ['let fns = []; for i in 0..3 { fns.push(|| i); } fns.map(|f| f.call())', [2, 2, 2]],
    ['let fns = []; for i in 0..3 { let j = i; fns.push(|| j); } fns.map(|f| f.call())', [0, 1, 2]],
    ['fn make(n) { |x| x + n } let add5 = make(5); add5.call(1)', 6],
    ['let x = 10; let y = x.is_shared(); let f = || x; [y, x.is_shared()]', [false, true]],
    ['let obj = #{data: 40, action: |x| this.data += x}; obj.action(2); obj.data', 42],
    ['fn add(x) { this += x } let f = Fn("add"); let x = 41; x.call(f, 1); x', 42],
    ['let x = #{a: 1}; x.call(|| this.a + 1)', 2],
    ['let x = 20; let f = |a| this += x + a; let y = 1; y.call(f, 2); y', 23],
    ['let counter = #{n: 0, inc: || { this.n += 1; this.n }}; counter.inc(); counter.inc()', 2],
    ['let f = |x| { if x > 0 { return x * 10; } 0 }; [f.call(2), f.call(-1)]', [20, 0]],
    ['[1, 2, 3].filter(|x| x > 1).map(|x| x * 10).reduce(|a, x| a + x, 0)', 50],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('reports wrong arity and bad names', () => {
    expect(fail('fn add(x) { this += x } let f = Fn("add"); f.call(1)').rootCause.kind).toBe(
      'ErrorUnboundThis',
    );
    expect(fail('let f = |x| x; f.call(1, 2)').kind).toBe('ErrorFunctionNotFound');
    expect(fail('let f = Fn("hello_world"); f.call(0)').message).toContain('hello_world (i64)');
    expect(fail('Fn("a::b")').kind).toBe('ErrorFunctionNotFound');
    expect(fail('let f = 5; call(f)').kind).toBe('ErrorMismatchDataType');
  });
});
