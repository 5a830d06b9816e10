// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/modules/import.md, language/modules/export.md, language/fn-namespaces.md, language/global.md. */
import type { ConformanceCase } from '../harness.js';

const MATH = `
fn inc(x) { x + 1 }
fn double_inc(x) { inc(inc(x)) }
private fn secret() { 42 }
fn reveal() { secret() }
let hidden = 123;
let x = 42;
export x;
export x as answer;
export const LIMIT = 10;
export let greeting = "hi";
`;

const NOISY = `
print("loading noisy");
fn f() { "noisy" }
`;

/** Modules: import/export, private functions, namespaces, resolver failures, host modules. */
export const modulesImportExportCases: readonly ConformanceCase[] = [
  {
    name: 'book: call a module function via ::',
    script: 'import "math" as m; m::inc(41)',
    modules: { math: MATH },
    value: 42,
  },
  {
    name: 'module functions call each other',
    script: 'import "math" as m; m::double_inc(40)',
    modules: { math: MATH },
    value: 42,
  },
  { name: 'book: exported variable', script: 'import "math" as m; m::x', modules: { math: MATH }, value: 42 },
  {
    name: 'book: export under an alias',
    script: 'import "math" as m; m::answer',
    modules: { math: MATH },
    value: 42,
  },
  {
    name: 'book: export let short-hand',
    script: 'import "math" as m; m::greeting',
    modules: { math: MATH },
    value: 'hi',
  },
  { name: 'export const', script: 'import "math" as m; m::LIMIT * 2', modules: { math: MATH }, value: 20 },
  {
    name: 'book: variables not exported are hidden',
    script: 'import "math" as m; m::hidden',
    modules: { math: MATH },
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'book: private functions are hidden',
    script: 'import "math" as m; m::secret()',
    modules: { math: MATH },
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'private functions are callable inside the module',
    script: 'import "math" as m; m::reveal()',
    modules: { math: MATH },
    value: 42,
  },
  {
    name: 'book: module functions need the namespace',
    script: 'import "math" as m; inc(1)',
    modules: { math: MATH },
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'book: module variables are constants',
    script: 'import "math" as m; m::x = 1;',
    modules: { math: MATH },
    error: 'any',
  },
  {
    name: 'module not found',
    script: 'import "nope" as n; n::f()',
    modules: {},
    error: 'ErrorModuleNotFound',
  },
  { name: 'unknown namespace', script: 'nothing::f()', modules: {}, error: 'ErrorModuleNotFound' },
  {
    name: 'book: import without alias runs the module',
    script: 'import "noisy"; 1',
    modules: { noisy: NOISY },
    value: 1,
    output: ['loading noisy'],
  },
  {
    name: 'import runs module statements once per import',
    script: 'import "noisy" as a; a::f()',
    modules: { noisy: NOISY },
    value: 'noisy',
    output: ['loading noisy'],
  },
  {
    name: 'book: dynamic import path',
    script: 'let p = "ma"; import p + "th" as m; m::inc(1)',
    modules: { math: MATH },
    value: 2,
  },
  {
    name: 'book: path built with interpolation',
    script: 'const N = 1; let file = `lib_${N}`; import file as l; l::v',
    modules: { lib_1: 'export const v = "one";' },
    value: 'one',
  },
  {
    name: 'book: scoped import disappears after the block',
    script: 'if true { import "math" as c; c::inc(1); } c::inc(1)',
    modules: { math: MATH },
    error: 'ErrorModuleNotFound',
  },
  {
    name: 'book: scoped import works inside the block',
    script: 'let r = 0; if true { import "math" as c; r = c::inc(1); } r',
    modules: { math: MATH },
    value: 2,
  },
  {
    name: 'book: global import is visible inside functions',
    script: 'import "math" as h; fn foo(v) { h::inc(v) } foo(1)',
    modules: { math: MATH },
    value: 2,
  },
  {
    name: 'book: sub-modules are exported',
    script: 'import "outer" as o; o::inner::inc(1)',
    modules: { outer: 'import "math" as inner;', math: MATH },
    value: 2,
  },
  {
    name: 'book: module imported in a block is not a sub-module',
    script: 'import "outer2" as o; o::inner::inc(1)',
    modules: { outer2: '{ import "math" as inner; }', math: MATH },
    error: 'any',
  },
  {
    name: 'book: export of a local variable is a parse error',
    script: '{ let inner = 0; export inner; }',
    parseError: 'WrongExport',
  },
  {
    name: 'book: export several names at once',
    script: 'import "multi" as m; [m::x, m::hello, m::foo, m::bar, m::z]',
    modules: { multi: 'let x = 1; let y = 2; let z = 3; export x, x as hello, y as foo, y as bar, z;' },
    value: [1, 1, 2, 2, 3],
  },
  {
    name: 'module functions cannot see the importer variables',
    script: 'let outside = 1; import "peek" as p; p::look()',
    modules: { peek: 'fn look() { outside }' },
    error: 'ErrorInFunctionCall',
    cause: 'ErrorVariableNotFound',
  },
  {
    name: 'book: Fn cannot point to module functions',
    script: 'import "math" as m; let p = Fn("m::inc"); p.call(1)',
    modules: { math: MATH },
    error: 'any',
  },
  {
    name: 'book: wrap a module function to point at it',
    script: 'import "math" as m; fn inc_now(x) { m::inc(x) } let p = Fn("inc_now"); p.call(1)',
    modules: { math: MATH },
    value: 2,
  },
  {
    name: 'imported module errors surface',
    script: 'import "bad" as b; 1',
    modules: { bad: 'let x = 1 / 0;' },
    error: 'any',
  },
  {
    name: 'module with a parse error fails the import',
    script: 'import "broken" as b; 1',
    modules: { broken: 'let = ;' },
    error: 'any',
  },
  {
    name: 'same module imported twice under two names',
    script: 'import "math" as a; import "math" as b; a::inc(1) + b::inc(1)',
    modules: { math: MATH },
    value: 4,
  },
  {
    name: 'module returns containers by value',
    script: 'import "data" as d; let l = d::LIST; l.push(4); d::LIST.len()',
    modules: { data: 'export const LIST = [1, 2, 3];' },
    value: 3,
  },
  { name: 'import path must be a string', script: 'import 42 as m;', error: 'any' },
  {
    name: 'host module function',
    script: 'kv::get("a")',
    setup: (engine) => {
      engine.registerModule('kv', {
        functions: [{ name: 'get', params: ['string'], fn: (_ctx, args) => `value-of-${String(args[0])}` }],
      });
    },
    value: 'value-of-a',
  },
  {
    name: 'host module constant',
    script: 'cfg::PORT + 1',
    setup: (engine) => {
      engine.registerModule('cfg', { constants: { PORT: 8080 } });
    },
    value: 8081,
  },
  {
    name: 'host nested module',
    script: 'outer::inner::ping()',
    setup: (engine) => {
      engine.registerModule('outer', {
        modules: { inner: { functions: [{ name: 'ping', params: [], fn: () => 'pong' }] } },
      });
    },
    value: 'pong',
  },
  {
    name: 'host module functions are not global',
    script: 'get("a")',
    setup: (engine) => {
      engine.registerModule('kv', { functions: [{ name: 'get', params: ['string'], fn: () => 1 }] });
    },
    error: 'ErrorFunctionNotFound',
  },
  {
    name: 'host module missing function',
    script: 'kv::put("a")',
    setup: (engine) => {
      engine.registerModule('kv', { functions: [{ name: 'get', params: ['string'], fn: () => 1 }] });
    },
    error: 'ErrorFunctionNotFound',
  },
];
