// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/object-maps.md — `#{...}` literals, property access and the map methods. */
import type { ConformanceCase } from '../harness.js';

/** Object maps: literals, dot/index access, missing properties, ordering, methods and copies. */
export const objectMapsCases: readonly ConformanceCase[] = [
  { name: 'map literal', script: '#{a: 1, bar: "hello"}', value: { a: 1, bar: 'hello' }, type: 'map' },
  { name: 'empty map', script: '#{}', value: {} },
  {
    name: 'quoted property names may be any text',
    script: '#{"baz!$@": 123.456, "": false}',
    value: { 'baz!$@': 123.456, '': false },
  },
  { name: 'back-tick literal property name', script: '#{`hello`: 999}.hello', value: 999 },
  { name: 'trailing comma is OK', script: 'let foo = #{ a:1, }; foo.a', value: 1 },
  {
    name: 'duplicated property is a parse error',
    script: '#{a: 1, b: 2, a: 42}',
    parseError: 'DuplicatedProperty',
  },
  { name: 'interpolated property name is a parse error', script: '#{`a${2}`: 42}', error: 'ErrorParsing' },
  {
    name: 'string in dot notation is a parse error',
    script: 'let y = #{}; y."baz" = 42;',
    error: 'ErrorParsing',
  },
  { name: 'book: dot notation set and get', script: 'let y = #{a: 1}; y.a = 42; y.a', value: 42 },
  {
    name: 'book: index notation with odd names',
    script: 'let y = #{}; y["baz!$@"] = 42; y["baz!$@"]',
    value: 42,
  },
  { name: 'book: in tests for a property', script: 'let y = #{"baz!$@": 1}; "baz!$@" in y', value: true },
  { name: 'book: in is false for a missing property', script: 'let y = #{a: 1}; "z" in y', value: false },
  { name: 'book: index a map literal', script: '#{ a:1, b:2, c:3 }["a"]', value: 1 },
  { name: 'book: dot on a map literal', script: '#{ a:1, b:2, c:3 }.a', value: 1 },
  { name: 'book: function returning a map', script: 'fn abc() { #{ a:1, b:2, c:3 } } abc().b', value: 2 },
  {
    name: 'book: contains',
    script: 'let y = #{a: 1}; [y.contains("a"), y.contains("xyz")]',
    value: [true, false],
  },
  { name: 'book: missing property is unit', script: 'let y = #{a: 1}; y.xyz', value: null, type: '()' },
  { name: 'book: missing index is unit', script: 'let y = #{a: 1}; y["xyz"]', value: null },
  {
    name: 'book: len as a property is a missing property',
    script: 'let y = #{a: 1, b: 2}; y.len',
    value: null,
  },
  {
    name: 'book: len as a method counts properties',
    script: 'let y = #{a: 1, b: 2, c: 3}; y.len()',
    value: 3,
  },
  {
    name: 'a property named len shadows nothing',
    script: 'let y = #{len: 7}; [y.len, y.len()]',
    value: [7, 1],
  },
  {
    name: 'book: remove returns the value',
    script: 'let y = #{a: 1, b: 2}; let v = y.remove("a"); [v, y.len(), y.contains("a")]',
    value: [1, 1, false],
  },
  { name: 'remove of a missing property is unit', script: 'let y = #{a: 1}; y.remove("zz")', value: null },
  { name: 'book: clear', script: 'let y = #{a: 1, b: 2}; y.clear(); y.len()', value: 0 },
  { name: 'keys are sorted', script: '#{b: 1, c: 2, a: 3}.keys()', value: ['a', 'b', 'c'] },
  { name: 'values follow key order', script: '#{b: 1, c: 2, a: 3}.values()', value: [3, 1, 2] },
  {
    name: 'iterate keys',
    script: 'let m = #{b: 2, a: 1}; for k in m.keys() { print(k); }',
    output: ['a', 'b'],
  },
  {
    name: 'display is sorted by key',
    script: '#{zeta: 1, alpha: 2}.to_string()',
    value: '#{"alpha": 2, "zeta": 1}',
  },
  { name: 'display quotes odd keys', script: '#{"a b": "x"}.to_string()', value: '#{"a b": "x"}' },
  {
    name: '+= mixes in properties',
    script: 'let m = #{a: 1, b: 2}; m += #{c: 3, d: 4, e: 5}; m.len()',
    value: 5,
  },
  { name: '+= overwrites existing properties', script: 'let m = #{a: 1}; m += #{a: 42}; m.a', value: 42 },
  {
    name: '+ merges into a new map',
    script: 'let m = #{a: 1, b: 2, c: 3}; let n = #{a: 42, d: 0}; [m + n, m]',
    value: [
      { a: 42, b: 2, c: 3, d: 0 },
      { a: 1, b: 2, c: 3 },
    ],
  },
  { name: 'mixin', script: 'let m = #{a: 1}; m.mixin(#{b: 2}); m', value: { a: 1, b: 2 } },
  {
    name: 'fill_with only adds missing properties',
    script: 'let m = #{a: 1, b: 2}; m.fill_with(#{a: 42, d: 0}); m',
    value: { a: 1, b: 2, d: 0 },
  },
  { name: 'equality', script: '#{a: 1, b: 2} == #{b: 2, a: 1}', value: true },
  { name: 'inequality when a property differs', script: '#{a: 1, b: 2} != #{a: 1, c: 3}', value: true },
  { name: 'maps are copied on assignment', script: 'let a = #{x: 1}; let b = a; b.x = 2; a.x', value: 1 },
  { name: 'maps are passed by value', script: 'fn f(m) { m.x = 99; } let a = #{x: 1}; f(a); a.x', value: 1 },
  {
    name: 'new properties can be added',
    script: 'let m = #{}; m.x = 1; m["y"] = 2; m',
    value: { x: 1, y: 2 },
  },
  { name: 'nested property read', script: 'let m = #{a: #{b: #{c: 5}}}; m.a.b.c', value: 5 },
  { name: 'nested property write', script: 'let m = #{a: #{b: #{c: 5}}}; m.a.b.c = 6; m.a.b.c', value: 6 },
  {
    name: 'nested array inside a map',
    script: 'let m = #{list: [1, 2, 3]}; m.list[1] = 20; m.list',
    value: [1, 20, 3],
  },
  { name: 'compound assignment on a property', script: 'let m = #{n: 1}; m.n += 41; m.n', value: 42 },
  {
    name: 'compound assignment on a nested array element',
    script: 'let m = #{l: [1, 2]}; m.l[1] *= 5; m.l',
    value: [1, 10],
  },
  {
    name: 'method call on a property mutates in place',
    script: 'let m = #{l: [1]}; m.l.push(2); m.l.len()',
    value: 2,
  },
  { name: 'mixed dot and index access', script: 'let m = #{a: [#{b: "x"}]}; m.a[0].b', value: 'x' },
  { name: 'index access with a computed key', script: 'let m = #{ab: 3}; let k = "a"; m[k + "b"]', value: 3 },
  {
    name: '__proto__ is a plain key',
    script: 'let m = #{"__proto__": 1}; m["__proto__"] + m.len()',
    value: 2,
  },
  { name: 'constructor is a plain missing key', script: 'let m = #{}; m["constructor"]', value: null },
  { name: 'toString is a plain missing key', script: 'let m = #{}; m.toString', value: null },
  {
    name: 'hasOwnProperty is not a map method',
    script: 'let m = #{a: 1}; m.hasOwnProperty("a")',
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'keys of a map with __proto__',
    script: '#{"__proto__": 1, a: 2}.keys()',
    value: ['__proto__', 'a'],
  },
  {
    name: 'book: values can be iterated',
    script: 'let s = 0; for v in #{a: 1, b: 2}.values() { s += v; } s',
    value: 3,
  },
  { name: 'get method', script: '#{a: 1}.get("a")', value: 1 },
  { name: 'set method adds a property', script: 'let m = #{}; m.set("x", 0); m', value: { x: 0 } },
  { name: 'is_empty', script: '#{}.is_empty()', value: true },
  {
    name: 'a map holds any value type',
    script: 'let m = #{f: |x| x + 1, a: [1], u: ()}; [type_of(m.f), type_of(m.a), type_of(m.u)]',
    value: ['Fn', 'array', '()'],
  },
  {
    name: 'book: JSON-like literal with odd keys',
    script: 'let m = #{"a": 1, "$d e f!": "hello", "^^^!!!": [1, 42, "999"]}; m["^^^!!!"].len()',
    value: 3,
  },
];
