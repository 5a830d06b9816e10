/** Book: language/object-maps-oop.md, language/fn-anon.md — object maps holding function pointers. */
import type { ConformanceCase } from '../harness.js';

/** OOP with object maps: properties holding closures are callable as methods with `this` bound. */
export const oopObjectMapsCases: readonly ConformanceCase[] = [
  {
    name: 'book: calling a closure property binds this',
    script: 'let obj = #{ data: 40, action: |x| this.data += x }; obj.action(2); obj.data',
    value: 42,
  },
  {
    name: 'book: call with the object as this',
    script: 'let obj = #{ data: 40, action: |x| this.data += x }; obj.call(obj.action, 2); obj.data',
    value: 42,
  },
  {
    name: 'book: a plain function pointer gets a copy',
    script:
      'fn do_action(map, x) { map.data += x; } let obj = #{ data: 40 }; obj.action = Fn("do_action"); obj.action.call(obj, 2); obj.data',
    value: 40,
  },
  {
    name: 'book: object with named method functions',
    script:
      'fn inc_obj(x) { this.data += x; } fn dec_obj(x) { this.data -= x; } let obj = #{ data: 42, increment: Fn("inc_obj"), decrement: Fn("dec_obj") }; obj.increment(10); obj.decrement(2); obj.data',
    value: 50,
  },
  {
    name: 'book: object with anonymous methods',
    script:
      'let obj = #{ data: 42, increment: |x| this.data += x, decrement: |x| this.data -= x, print_obj: || { print(this.data); } }; obj.increment(1); obj.print_obj(); obj.decrement(3); obj.print_obj();',
    output: ['43', '40'],
  },
  {
    name: 'method result is returned',
    script: 'let o = #{ v: 5, double: || this.v * 2 }; o.double()',
    value: 10,
  },
  {
    name: 'methods can call other methods through this',
    script: 'let o = #{ v: 2, sq: || this.v * this.v, quad: || this.sq() * this.sq() }; o.quad()',
    value: 16,
  },
  {
    name: 'methods see captured variables',
    script: 'let bonus = 100; let o = #{ v: 1, get: || this.v + bonus }; o.get()',
    value: 101,
  },
  {
    name: 'methods can add properties',
    script: 'let o = #{ init: || { this.ready = true; } }; o.init(); o.ready',
    value: true,
  },
  {
    name: 'calling a non-function property is an error',
    script: 'let o = #{ a: 1 }; o.a()',
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'calling a missing method is an error',
    script: 'let o = #{}; o.nothing()',
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'a closure property can be fetched and called',
    script: 'let o = #{ f: |x| x + 1 }; let f = o.f; f.call(1)',
    value: 2,
  },
  {
    name: 'this in a fetched closure called plainly is unbound',
    script: 'let o = #{ v: 1, get: || this.v }; let g = o.get; g.call()',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorUnboundThis',
  },
  {
    name: 'constructor function pattern',
    script:
      'fn new_counter(start) { #{ n: start, inc: || { this.n += 1; this.n } } } let c = new_counter(10); c.inc(); c.inc()',
    value: 12,
  },
  {
    name: 'objects made by a constructor are independent',
    script:
      'fn make() { #{ n: 0, inc: || this.n += 1 } } let a = make(); let b = make(); a.inc(); a.inc(); b.inc(); [a.n, b.n]',
    value: [2, 1],
  },
  {
    name: 'nested object method mutates the nested object',
    script: 'let outer = #{ inner: #{ n: 1, bump: || this.n += 1 } }; outer.inner.bump(); outer.inner.n',
    value: 2,
  },
  {
    name: 'object in an array method call',
    script: 'let list = [#{ n: 1, bump: || this.n *= 10 }]; list[0].bump(); list[0].n',
    value: 10,
  },
  {
    name: 'method with several arguments',
    script: 'let o = #{ total: 0, add: |a, b| this.total += a * b }; o.add(2, 3); o.add(1, 4); o.total',
    value: 10,
  },
  {
    name: 'copy of an object is independent of the original',
    script: 'let a = #{ n: 1, inc: || this.n += 1 }; let b = a; b.inc(); [a.n, b.n]',
    value: [1, 2],
  },
  {
    name: 'method dispatch by property lookup',
    script:
      'let shapes = [#{ w: 2, area: || this.w * this.w }, #{ r: 1, area: || 3 * this.r }]; shapes.map(|s| s.area())',
    value: [4, 3],
  },
  {
    name: 'property holding a named function pointer',
    script: 'fn hi() { "hi " + this.name } let p = #{ name: "Ann", greet: Fn("hi") }; p.greet()',
    value: 'hi Ann',
  },
  {
    name: 'wrong arity for a closure property',
    script: 'let o = #{ f: |x| x }; o.f(1, 2)',
    error: 'ErrorFunctionNotFound',
  },
];
