// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/**
 * Book: language/fn-ptr.md, language/fn-curry.md, language/fn-anon.md, language/fn-closure.md,
 * language/fn-capture.md.
 */
import type { ConformanceCase } from '../harness.js';

/** Function pointers, currying, anonymous functions and closures with shared captured variables. */
export const functionPointersAndClosuresCases: readonly ConformanceCase[] = [
  {
    name: 'book: Fn creates a pointer that call invokes',
    script: 'fn foo(x) { 41 + x } let func = Fn("foo"); func.call(1)',
    value: 42,
  },
  {
    name: 'book: print of a function pointer',
    script: 'fn foo(x) { x } let func = Fn("foo"); print(func);',
    output: ['Fn(foo)'],
  },
  { name: 'book: type_of a function pointer', script: 'let func = Fn("foo"); func.type_of()', value: 'Fn' },
  { name: 'book: name property', script: 'let func = Fn("foo"); func.name', value: 'foo' },
  {
    name: 'book: call in function-call style',
    script: 'fn foo(x) { 41 + x } let func = Fn("foo"); call(func, 1)',
    value: 42,
  },
  {
    name: 'book: Fn works with native functions',
    script: 'let len = Fn("len"); len.call("hello")',
    value: 5,
  },
  {
    name: 'book: the function need not exist when the pointer is made',
    script: 'let hello = Fn("hello" + "_world"); hello.name',
    value: 'hello_world',
  },
  {
    name: 'book: calling a pointer to a missing function fails',
    script: 'let hello = Fn("hello_world"); hello.call(0)',
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'book: Fn cannot be called in method-call style',
    script: 'let fn_name = "foo"; fn_name.Fn()',
    error: 'any',
  },
  { name: 'book: Fn cannot point into a module', script: 'Fn("f::do_work")', error: 'any' },
  { name: 'Fn of an invalid name fails', script: 'Fn("not a name")', error: 'any' },
  {
    name: 'book: dynamic dispatch through a pointer',
    script:
      'fn m1(x) { "one" } fn m2(x) { "two" } let x = 5; let func = if x < 0 { Fn("m1") } else { Fn("m2") }; func.call(42)',
    value: 'two',
  },
  {
    name: 'book: dispatch through an array of pointers',
    script:
      'fn m1(x) { x - 1 } fn m2(x) { x } fn m3(x) { x + 1 } let map = [Fn("m1"), Fn("m2"), Fn("m3")]; map[2].call(41)',
    value: 42,
  },
  {
    name: 'book: this binding through call as a method',
    script: 'fn add(x) { this += x; } let func = Fn("add"); let x = 41; x.call(func, 1); x',
    value: 42,
  },
  {
    name: 'book: calling a this-function without this fails',
    script: 'fn add(x) { this += x; } let func = Fn("add"); func.call(1);',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorUnboundThis',
  },
  {
    name: 'book: passing the object as an argument is not binding',
    script: 'fn add(x) { this += x; } let func = Fn("add"); let x = 41; func.call(x, 1);',
    error: 'ErrorFunctionNotFound',
  },

  {
    name: 'book: curry one argument',
    script: 'fn mul(x, y) { x * y } let func = Fn("mul"); let curried = func.curry(21); curried.call(2)',
    value: 42,
  },
  {
    name: 'book: curry in function-call style',
    script: 'fn mul(x, y) { x * y } let curried = curry(Fn("mul"), 21); curried.call(2)',
    value: 42,
  },
  {
    name: 'book: uncurried pointer needs both arguments',
    script: 'fn mul(x, y) { x * y } Fn("mul").call(21, 2)',
    value: 42,
  },
  {
    name: 'curry several arguments',
    script: 'fn f(a, b, c) { a + b + c } Fn("f").curry(1, 2).call(3)',
    value: 6,
  },
  {
    name: 'curry twice',
    script: 'fn f(a, b, c) { `${a}${b}${c}` } Fn("f").curry("x").curry("y").call("z")',
    value: 'xyz',
  },
  {
    name: 'currying keeps the original pointer unchanged',
    script: 'fn f(a, b) { a - b } let p = Fn("f"); let q = p.curry(10); p.call(10, 3) + q.call(3)',
    value: 14,
  },
  {
    name: 'curried arguments are copies',
    script: 'fn f(a) { a.len() } let arr = [1]; let p = Fn("f").curry(arr); arr.push(2); p.call()',
    value: 1,
  },

  { name: 'anonymous function', script: 'let f = |x| x * 2; f.call(21)', value: 42 },
  { name: 'anonymous function with no parameters', script: 'let f = || 42; f.call()', value: 42 },
  {
    name: 'anonymous function with a block body',
    script: 'let f = |a, b| { let s = a + b; s * 2 }; f.call(1, 2)',
    value: 6,
  },
  { name: 'anonymous function is_anonymous', script: 'let f = |x| x; f.is_anonymous', value: true },
  { name: 'named pointer is not anonymous', script: 'Fn("foo").is_anonymous', value: false },
  {
    name: 'anonymous functions can call global functions',
    script: 'fn plus_one(x) { x + 1 } let f = |x| plus_one(x) * 2; f.call(1)',
    value: 4,
  },
  {
    name: 'anonymous function passed to a script function',
    script: 'fn apply(f, v) { f.call(v) } apply(|x| x * 3, 5)',
    value: 15,
  },
  {
    name: 'anonymous function returned from a function',
    script: 'fn make() { |x| x + 100 } make().call(1)',
    value: 101,
  },
  {
    name: 'wrong argument count for a closure',
    script: 'let f = |x| x; f.call(1, 2)',
    error: 'ErrorFunctionNotFound',
  },

  { name: 'book: closure captures a variable', script: 'let x = 1; let f = |y| x + y; f.call(2)', value: 3 },
  {
    name: 'book: captured variables are shared',
    script: 'let x = 1; let f = |y| x + y; x = 40; f.call(2)',
    value: 42,
  },
  {
    name: 'closure can modify a captured variable',
    script: 'let count = 0; let inc = || { count += 1; count }; inc.call(); inc.call(); count',
    value: 2,
  },
  {
    name: 'closure returns the updated value',
    script: 'let count = 0; let inc = || { count += 1; count }; inc.call(); inc.call()',
    value: 2,
  },
  {
    name: 'captured variable outlives its scope',
    script: 'fn make() { let c = 10; |x| x + c } let f = make(); f.call(5)',
    value: 15,
  },
  {
    name: 'each call to a maker gets its own captured variable',
    script:
      'fn counter() { let n = 0; || { n += 1; n } } let a = counter(); let b = counter(); a.call(); a.call(); [a.call(), b.call()]',
    value: [3, 1],
  },
  {
    name: 'two closures share one captured variable',
    script: 'let n = 0; let inc = || { n += 1; }; let get = || n; inc.call(); inc.call(); get.call()',
    value: 2,
  },
  {
    name: 'book: closures in a loop all capture the same variable',
    script: 'let funcs = []; for i in range(0, 10) { funcs.push(|| print(i)); } for f in funcs { f.call(); }',
    output: ['9', '9', '9', '9', '9', '9', '9', '9', '9', '9'],
  },
  {
    name: 'book: closures in an array are Fn values',
    script: 'let funcs = []; for i in range(0, 3) { funcs.push(|| i); } [funcs.len(), funcs[0].type_of()]',
    value: [3, 'Fn'],
  },
  { name: 'shadowed names are not captured', script: 'let x = 1; let f = |x| x * 10; f.call(5)', value: 50 },
  {
    name: 'local variables inside a closure are not captured',
    script: 'let f = || { let y = 7; y }; f.call()',
    value: 7,
  },
  {
    name: 'closure captures a container and sees later mutation',
    script: 'let a = [1]; let f = || a.len(); a.push(2); f.call()',
    value: 2,
  },
  {
    name: 'closure can mutate a captured container',
    script: 'let a = []; let f = |v| a.push(v); f.call(1); f.call(2); a',
    value: [1, 2],
  },
  { name: 'closure used as a map callback', script: 'let k = 3; [1, 2].map(|v| v * k)', value: [3, 6] },
  {
    name: 'closure used to accumulate',
    script: 'let total = 0; [1, 2, 3].map(|v| { total += v; v }); total',
    value: 6,
  },
  {
    name: 'closure capturing a closure',
    script: 'let add = |a, b| a + b; let inc = |x| add.call(x, 1); inc.call(41)',
    value: 42,
  },
  { name: 'closure converts to a JS name', script: 'let f = |x| x; type_of(f.name)', value: 'string' },
  { name: 'is_shared after capture', script: 'let x = 1; let f = || x; is_shared(x)', value: true },
  { name: 'is_shared without capture', script: 'let x = 1; is_shared(x)', value: false },
];
