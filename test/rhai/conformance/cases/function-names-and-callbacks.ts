/**
 * Function names as values (issue 16): a bare script-function name is a function pointer, and the
 * array functions that take a callback also take the callback's name as a string.
 */
import type { ConformanceCase } from '../harness.js';

export const functionNamesAndCallbacksCases: readonly ConformanceCase[] = [
  { name: 'bare name is a pointer', script: 'fn triple(x) { x * 3 } let f = triple; f.call(5)', value: 15 },
  {
    name: 'the pointer has the function name',
    script: 'fn triple(x) { x * 3 } let f = triple; f.name',
    value: 'triple',
  },
  { name: 'assigning a bare name', script: 'fn inc(x) { x + 1 } let f = 0; f = inc; call(f, 1)', value: 2 },
  { name: 'passing a bare name', script: 'fn odd(x) { x % 2 == 1 } [1, 2, 3].filter(odd)', value: [1, 3] },
  {
    name: 'a variable of the same name wins',
    script: 'fn twice(x) { x * 2 } let twice = 7; twice',
    value: 7,
  },
  {
    name: 'an unknown name is still an error',
    script: 'let f = nothing_here; f',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'strict mode accepts a function name',
    script: 'fn id(x) { x } let f = id; call(f, 9)',
    options: { strictVariables: true },
    value: 9,
  },
  { name: 'index_of by name', script: 'fn big(x) { x > 10 } [3, 30, 300].index_of("big")', value: 1 },
  {
    name: 'index_of by name from a start',
    script: 'fn big(x) { x > 10 } [30, 3, 300].index_of("big", 1)',
    value: 2,
  },
  { name: 'filter by name', script: 'fn even(x) { x % 2 == 0 } [1, 2, 3, 4].filter("even")', value: [2, 4] },
  { name: 'map by name', script: 'fn sq(x) { x * x } [1, 2, 3].map("sq")', value: [1, 4, 9] },
  { name: 'reduce by name', script: 'fn add(a, b) { (a ?? 0) + b } [1, 2, 3].reduce("add")', value: 6 },
  {
    name: 'some and all by name',
    script: 'fn pos(x) { x > 0 } [1, -1].some("pos") && ![1, -1].all("pos")',
    value: true,
  },
  {
    name: 'sort by name',
    script: 'fn desc(a, b) { b - a } let a = [2, 3, 1]; a.sort("desc"); a',
    value: [3, 2, 1],
  },
  {
    name: 'retain by name',
    script: 'fn small(x) { x < 3 } let a = [1, 5, 2]; a.retain("small"); a',
    value: [1, 2],
  },
  {
    name: 'for_each by name',
    script: 'fn bump() { this += 1 } let a = [1, 2]; a.for_each("bump"); a',
    value: [2, 3],
  },
  { name: 'a native by name', script: '[-1, 2, -3].map("abs")', value: [1, 2, 3] },
  { name: 'an unknown name fails', script: '[1].map("no_such_fn")', error: 'ErrorFunctionNotFound' },
];
