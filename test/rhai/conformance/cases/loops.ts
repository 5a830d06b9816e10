// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/while.md, language/loop.md, language/do.md, language/for.md. */
import type { ConformanceCase } from '../harness.js';

/** Loops: while, loop, do-while/until, for over arrays/ranges/strings/maps, break/continue. */
export const loopsCases: readonly ConformanceCase[] = [
  {
    name: 'book: while with continue and break',
    script: 'let x = 10; while x > 0 { x -= 1; if x < 6 { continue; } print(x); if x == 5 { break; } }',
    output: ['9', '8', '7', '6'],
  },
  { name: 'while sums', script: 'let i = 0; let s = 0; while i < 5 { s += i; i += 1; } s', value: 10 },
  { name: 'while false never runs', script: 'let n = 0; while false { n += 1; } n', value: 0 },
  { name: 'while condition must be bool', script: 'while 1 { break; }', error: 'ErrorMismatchDataType' },
  {
    name: 'book: loop with continue and break',
    script: 'let x = 10; loop { x -= 1; if x > 5 { continue; } print(x); if x == 0 { break; } }',
    output: ['5', '4', '3', '2', '1', '0'],
  },
  { name: 'loop until break', script: 'let n = 0; loop { n += 1; if n == 3 { break; } } n', value: 3 },
  {
    name: 'book: do-while with continue and break',
    script: 'let x = 10; do { x -= 1; if x < 6 { continue; } print(x); if x == 5 { break; } } while x > 0;',
    output: ['9', '8', '7', '6'],
  },
  {
    name: 'book: do-until',
    script: 'let x = 3; do { x -= 1; print(x); } until x == 0;',
    output: ['2', '1', '0'],
  },
  {
    name: 'do-while runs the body at least once',
    script: 'let n = 0; do { n += 1; } while false; n',
    value: 1,
  },
  {
    name: 'do-until runs the body at least once',
    script: 'let n = 0; do { n += 1; } until true; n',
    value: 1,
  },
  {
    name: 'book: for over an array with continue and break',
    script:
      'let array = [1, 3, 5, 7, 9, 42]; for x in array { if x > 10 { continue; } print(x); if x == 42 { break; } }',
    output: ['1', '3', '5', '7', '9'],
  },
  {
    name: 'book: for over range() with step',
    script: 'for x in range(0, 50, 3) { if x > 10 { continue; } print(x); }',
    output: ['0', '3', '6', '9'],
  },
  {
    name: 'book: for stepping backwards',
    script: 'for x in range(50, 0, -3) { if x < 10 { continue; } print(x); if x == 41 { break; } }',
    output: ['50', '47', '44', '41'],
  },
  {
    name: 'book: for over map keys',
    script: 'let map = #{a:1, b:3, c:5}; let s = ""; for k in map.keys() { s += k; } s',
    value: 'abc',
  },
  {
    name: 'book: for over map values',
    script: 'let map = #{a:1, b:3, c:5}; let t = 0; for v in map.values() { t += v; } t',
    value: 9,
  },
  {
    name: 'book: for over a string with continue',
    script: 'for ch in "a-b" { if ch == \'-\' { continue; } print(ch); }',
    output: ['a', 'b'],
  },
  {
    name: 'for with an index variable',
    script: 'let out = []; for (x, i) in ["a", "b", "c"] { out.push(`${i}${x}`); } out',
    value: ['0a', '1b', '2c'],
  },
  { name: 'for over an empty array', script: 'let n = 0; for x in [] { n += 1; } n', value: 0 },
  { name: 'for over a non-iterable is an error', script: 'for x in 42 { }', error: 'ErrorFor' },
  {
    name: 'for iterates a copy of the array',
    script: 'let a = [1, 2, 3]; for x in a { a.push(x); } a.len()',
    value: 6,
  },
  {
    name: 'break only leaves the inner loop',
    script: 'let n = 0; for i in 0..3 { for j in 0..3 { if j == 1 { break; } n += 1; } } n',
    value: 3,
  },
  {
    name: 'continue only skips in the inner loop',
    script: 'let n = 0; for i in 0..3 { for j in 0..3 { if j == 1 { continue; } n += 1; } } n',
    value: 6,
  },
  {
    name: 'break inside nested if',
    script: 'let i = 0; loop { i += 1; if i > 2 { if true { break; } } } i',
    value: 3,
  },
  { name: 'break outside a loop is a parse error', script: 'break;', parseError: 'LoopBreak' },
  { name: 'continue outside a loop is a parse error', script: 'continue;', parseError: 'LoopBreak' },
  {
    name: 'break inside a function inside a loop is a parse error',
    script: 'fn f() { break; } for i in 0..1 { f(); }',
    parseError: 'LoopBreak',
  },
  {
    name: 'loop variable is fresh per loop',
    script: 'let s = 0; for i in 0..3 { s += i; } for i in 0..2 { s += i; } s',
    value: 4,
  },
  {
    name: 'body variables are fresh per iteration',
    script: 'let out = []; for i in 0..3 { let y; if i == 0 { y = "set"; } out.push(y); } out',
    value: ['set', null, null],
  },
  {
    name: 'loop counter may be reassigned without affecting iteration',
    script: 'let n = 0; for i in 0..3 { i = 100; n += 1; } n',
    value: 3,
  },
  {
    name: 'return from inside a loop in a function',
    script:
      'fn find(a, t) { for (x, i) in a { if x == t { return i; } } -1 } [find([5, 6, 7], 6), find([1], 9)]',
    value: [1, -1],
  },
  {
    name: 'while loop over a shrinking array',
    script: 'let a = [1, 2, 3]; let s = 0; while a.len() > 0 { s += a.pop(); } s',
    value: 6,
  },
  { name: 'loops are statements with unit value', script: 'let n = 0; while n < 2 { n += 1; }', value: null },
  {
    name: 'for over chars() iterator',
    script: 'let n = []; for c in "hey".chars() { n.push(c); } n',
    value: ['h', 'e', 'y'],
  },
  { name: 'for over bits()', script: 'let n = 0; for b in 5.bits() { if b { n += 1; } } n', value: 2 },
];
