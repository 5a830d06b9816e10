/** Book: language/functions.md, language/overload.md, language/return.md, language/fn-parent-scope.md. */
import type { ConformanceCase } from '../harness.js';

/** Script functions: definition, return, purity, overloading by arity, recursion, `!` calls, host calls. */
export const functionsCases: readonly ConformanceCase[] = [
  { name: 'book: add with explicit return', script: 'fn add(x, y) { return x + y; } add(2, 3)', value: 5 },
  {
    name: 'book: trailing comma in parameters and arguments',
    script: 'fn sub(x, y,) { return x - y; } sub(2, 3,)',
    value: -1,
  },
  {
    name: 'book: implicit return of the last statement',
    script: 'fn add(x, y) { x + y; } add(2, 3)',
    value: 5,
  },
  { name: 'book: explicit return', script: 'fn add2(x) { return x + 2; } add2(42)', value: 44 },
  { name: 'return without a value gives unit', script: 'fn f() { return; } f()', value: null },
  { name: 'empty function body gives unit', script: 'fn f() { } f()', value: null },
  {
    name: 'early return skips the rest',
    script: 'fn f(x) { if x > 0 { return "pos"; } "non-pos" } [f(1), f(-1)]',
    value: ['pos', 'non-pos'],
  },
  { name: 'book: return at global level ends the script', script: 'return 123 + 456; 0', value: 579 },
  { name: 'book: bare return at global level gives unit', script: 'return; 1', value: null },
  {
    name: 'book: functions cannot be defined inside functions',
    script: 'fn do_addition(x) { fn add_y(n) { n + 1 } add_y(x) }',
    error: 'ErrorParsing',
  },
  {
    name: 'functions cannot be defined inside blocks',
    script: '{ fn inner() { 1 } }',
    error: 'ErrorParsing',
  },
  {
    name: 'book: no access to external variables',
    script: 'let x = 42; fn foo() { x } foo()',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorVariableNotFound',
  },
  {
    name: 'book: functions can call other functions',
    script: 'fn foo(x) { x + 1 } fn bar(x) { foo(x) } bar(1)',
    value: 2,
  },
  { name: 'book: use before definition', script: 'let r = later(2); fn later(x) { x * 10 } r', value: 20 },
  {
    name: 'book: arguments are passed by value',
    script: 'fn change(s) { s = 42; } let x = 500; change(x); x',
    value: 500,
  },
  {
    name: 'book: this binds to the method-call object',
    script: 'fn change() { this = 42; } let x = 500; x.change(); x',
    value: 42,
  },
  {
    name: 'book: unbound this is an error',
    script: 'fn change() { this = 42; } change();',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorUnboundThis',
  },
  {
    name: 'book: is_def_fn with matching arity',
    script: 'fn foo(x) { x + 1 } is_def_fn("foo", 1)',
    value: true,
  },
  {
    name: 'book: is_def_fn with wrong arity',
    script: 'fn foo(x) { x + 1 } [is_def_fn("foo", 0), is_def_fn("foo", 2)]',
    value: [false, false],
  },
  { name: 'book: is_def_fn of an unknown name', script: 'is_def_fn("bar", 1)', value: false },
  {
    name: 'book: overloading by arity',
    script:
      'fn foo(x,y,z) { print("Three!!! " + x + "," + y + "," + z); } fn foo(x) { print("One! " + x); } fn foo(x,y) { print("Two! " + x + "," + y); } fn foo() { print("None."); } foo(1,2,3); foo(42); foo(1,2); foo();',
    output: ['Three!!! 1,2,3', 'One! 42', 'Two! 1,2', 'None.'],
  },
  {
    name: 'calling with the wrong number of arguments',
    script: 'fn f(a) { a } f(1, 2)',
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'calling an undefined function',
    script: 'let x = 1;\nfoo(x);',
    error: 'ErrorFunctionNotFound',
    at: [2, 1],
  },
  {
    name: 'duplicated parameter is a parse error',
    script: 'fn f(x, x) { x }',
    parseError: 'FnDuplicatedParam',
  },
  { name: 'missing parameter list is a parse error', script: 'fn f { 1 }', error: 'ErrorParsing' },
  { name: 'missing body is a parse error', script: 'fn f(x)', error: 'ErrorParsing' },
  { name: 'keyword as a function name is a parse error', script: 'fn while() { 1 }', error: 'ErrorParsing' },
  {
    name: 'recursion',
    script: 'fn fact(n) { if n <= 1 { 1 } else { n * fact(n - 1) } } fact(20)',
    value: 2432902008176640000n,
  },
  {
    name: 'recursive fibonacci',
    script: 'fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } } fib(20)',
    value: 6765,
  },
  {
    name: 'mutual recursion',
    script:
      'fn is_even(n) { if n == 0 { true } else { is_odd(n - 1) } } fn is_odd(n) { if n == 0 { false } else { is_even(n - 1) } } is_even(10)',
    value: true,
  },
  {
    name: 'function shadowing a standard function by arity',
    script: 'fn len(x, y) { x + y } [len(1, 2), "abc".len()]',
    value: [3, 3],
  },
  {
    name: 'script function overrides a standard function of the same arity',
    script: 'fn abs(x) { "mine" } abs(-1)',
    value: 'mine',
  },
  {
    name: 'parameters shadow nothing outside',
    script: 'let x = 1; fn f(x) { x * 2 } [f(5), x]',
    value: [10, 1],
  },
  {
    name: 'functions return containers by value',
    script: 'fn mk() { [1, 2] } let a = mk(); a.push(3); mk().len()',
    value: 2,
  },
  { name: 'function result can be indexed and called on', script: 'fn mk() { "hello" } mk()[1]', value: 'e' },
  {
    name: 'book: caller-scope call with !',
    script: 'fn foo(y) { x += y; let z = 0; x } let x = 1; let r = foo!(41); [r, x]',
    value: [42, 42],
  },
  {
    name: 'book: plain call cannot see the caller scope',
    script: 'fn foo(y) { x += y; x } let x = 1; foo(41)',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorVariableNotFound',
  },
  {
    name: 'book: caller-scope call does not keep new variables',
    script: 'fn foo(y) { let z = y; z } foo!(1); z',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'book: ! is not allowed in method-call style',
    script: 'fn m() { 1 } let x = 1; x.m!();',
    error: 'ErrorParsing',
  },
  {
    name: 'private functions are callable in their own script',
    script: 'private fn inner() { 41 } inner() + 1',
    value: 42,
  },
  {
    name: 'call a script function from the host',
    script: 'fn add(a, b) { a + b }',
    call: { fn: 'add', args: [40, 2] },
    value: 42,
  },
  {
    name: 'host call converts arguments',
    script: 'fn describe(m) { m.name + ":" + m.tags.len() }',
    call: { fn: 'describe', args: [{ name: 'x', tags: ['a', 'b'] }] },
    value: 'x:2',
  },
  {
    name: 'host call of an undefined function',
    script: 'fn a() { 1 }',
    call: { fn: 'b', args: [] },
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'host call with big integers',
    script: 'fn id(x) { x }',
    call: { fn: 'id', args: [9223372036854775807n] },
    value: 9223372036854775807n,
  },
  {
    name: 'host function registered by the engine',
    script: 'triple(14)',
    setup: (engine) => {
      engine.registerFn('triple', ['int'], (_ctx, args) => (args[0] as number) * 3);
    },
    value: 42,
  },
  {
    name: 'host function as a method',
    script: '"abc".shout()',
    setup: (engine) => {
      engine.registerFn('shout', ['string'], (_ctx, args) => `${String(args[0]).toUpperCase()}!`);
    },
    value: 'ABC!',
  },
  {
    name: 'host function overloads by type',
    script: '[kind(1), kind("s")]',
    setup: (engine) => {
      engine.registerFn('kind', ['int'], () => 'int');
      engine.registerFn('kind', ['string'], () => 'string');
    },
    value: ['int', 'string'],
  },
  {
    name: 'host function called with the wrong type',
    script: 'triple("x")',
    setup: (engine) => {
      engine.registerFn('triple', ['int'], (_ctx, args) => (args[0] as number) * 3);
    },
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'deep but bounded recursion works',
    script: 'fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } } down(50)',
    value: 50,
  },
];
