/** Book: language/fn-method.md, language/method.md — method-call style and the `this` pointer. */
import type { ConformanceCase } from '../harness.js';

/** Method-call style on script and native functions, `this` binding and mutation through `this`. */
export const methodsAndThisCases: readonly ConformanceCase[] = [
  {
    name: 'book: this can be changed',
    script: 'fn change() { this = 42; } let x = 500; x.change(); x',
    value: 42,
  },
  {
    name: 'book: unbound this',
    script: 'fn change() { this = 42; } change();',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorUnboundThis',
  },
  { name: 'reading this', script: 'fn add(y) { this + y } 5.add(3)', value: 8 },
  { name: 'method call on a literal', script: 'fn twice() { this * 2 } 21.twice()', value: 42 },
  { name: 'method call on a string', script: 'fn shout() { this + "!" } "hi".shout()', value: 'hi!' },
  { name: 'method call on an expression', script: 'fn neg() { -this } (1 + 2).neg()', value: -3 },
  {
    name: 'method mutating an array through this',
    script: 'fn add_one() { this.push(1); } let a = []; a.add_one(); a.add_one(); a',
    value: [1, 1],
  },
  {
    name: 'method mutating a map through this',
    script: 'fn touch() { this.touched = true; } let m = #{}; m.touch(); m.touched',
    value: true,
  },
  {
    name: 'method compound-assigning this',
    script: 'fn bump(n) { this += n; } let x = 1; x.bump(9); x',
    value: 10,
  },
  {
    name: 'method on a map property mutates the property',
    script: 'fn bump() { this += 1; } let m = #{n: 1}; m.n.bump(); m.n',
    value: 2,
  },
  {
    name: 'method on an array element mutates the element',
    script: 'fn bump() { this += 1; } let a = [1, 2]; a[1].bump(); a',
    value: [1, 3],
  },
  { name: 'method chaining returns values', script: 'fn inc() { this + 1 } 1.inc().inc().inc()', value: 4 },
  {
    name: 'this is not visible in a normal call',
    script: 'fn f() { this } f()',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorUnboundThis',
  },
  {
    name: 'method and function style of a native are the same',
    script: '[len("abc"), "abc".len()]',
    value: [3, 3],
  },
  { name: 'native method with arguments', script: '"hello".sub_string(1, 3)', value: 'ell' },
  {
    name: 'native function style with the receiver first',
    script: 'sub_string("hello", 1, 3)',
    value: 'ell',
  },
  { name: 'method call on a temporary does not fail', script: '[3, 1, 2].len()', value: 3 },
  { name: 'mutating method on a temporary is harmless', script: '[3, 1, 2].push(4)', value: null },
  { name: 'property getter style on a native', script: '"abcd".len', value: 4 },
  { name: 'method on a function result', script: 'fn mk() { [1, 2, 3] } mk().len()', value: 3 },
  { name: 'script method shadowing a native by arity', script: 'fn len() { 99 } [1, 2].len()', value: 99 },
  {
    name: 'method with this and arguments by value',
    script:
      'fn absorb(other) { this += other.len(); other.push(0); } let a = [1, 2]; let n = 0; n.absorb(a); [n, a.len()]',
    value: [2, 2],
  },
  {
    name: 'missing method is an error',
    script: 'let x = 1; x.no_such_method()',
    error: 'ErrorFunctionNotFound',
  },
  { name: 'method call on unit is an error', script: 'let x; x.len()', error: 'ErrorFunctionNotFound' },
  {
    name: 'method name resolution uses the receiver type',
    script: 'fn kind() { "script" } [1.kind(), "x".kind()]',
    value: ['script', 'script'],
  },
  {
    name: 'call with this via Fn pointer',
    script: 'fn scale(f) { this *= f; } let v = 3; v.call(Fn("scale"), 5); v',
    value: 15,
  },
  {
    name: 'closure with this via call',
    script: 'let add = |n| this += n; let v = 1; v.call(add, 2); v',
    value: 3,
  },
];
