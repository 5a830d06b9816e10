// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/print-debug.md — `print` uses display form, `debug` uses debug form. */
import type { ConformanceCase } from '../harness.js';

/** `print`/`debug` output per type, return values and ordering. */
export const printDebugCases: readonly ConformanceCase[] = [
  { name: 'book: print a string', script: 'print("hello");', output: ['hello'] },
  { name: 'book: print an expression', script: 'print(1 + 2 + 3);', output: ['6'] },
  {
    name: 'book: print an interpolated string',
    script: 'let x = 42; print(`hello${x}`);',
    output: ['hello42'],
  },
  { name: 'book: debug a string shows quotes', script: 'debug("world!");', output: ['"world!"'] },
  { name: 'print returns unit', script: 'print("x")', value: null, output: ['x'] },
  { name: 'print a float', script: 'print(1.0);', output: ['1.0'] },
  { name: 'print a negative float', script: 'print(-0.5);', output: ['-0.5'] },
  { name: 'print a bool', script: 'print(false);', output: ['false'] },
  { name: 'print unit prints an empty line', script: 'print(());', output: [''] },
  { name: 'print a char', script: "print('c');", output: ['c'] },
  {
    name: 'print an array',
    script: 'print([1, "a", \'c\', 2.0, ()]);',
    output: ['[1, "a", \'c\', 2.0, ()]'],
  },
  { name: 'print a map', script: 'print(#{b: "x", a: 1});', output: ['#{"a": 1, "b": "x"}'] },
  { name: 'print a nested container', script: 'print(#{l: [#{}]});', output: ['#{"l": [#{}]}'] },
  { name: 'print a function pointer', script: 'print(Fn("f"));', output: ['Fn(f)'] },
  { name: 'print a range', script: 'print(1..3);', output: ['1..3'] },
  { name: 'print a big integer', script: 'print(9223372036854775807);', output: ['9223372036854775807'] },
  { name: 'debug an integer', script: 'debug(42);', output: ['42'] },
  { name: 'debug a float', script: 'debug(1.5);', output: ['1.5'] },
  { name: 'debug an integral float', script: 'debug(3.0);', output: ['3.0'] },
  { name: 'debug a char', script: "debug('c');", output: ["'c'"] },
  { name: 'debug unit', script: 'debug(());', output: ['()'] },
  { name: 'debug a bool', script: 'debug(true);', output: ['true'] },
  { name: 'debug an array', script: 'debug([1, "a"]);', output: ['[1, "a"]'] },
  { name: 'debug a map', script: 'debug(#{a: "x"});', output: ['#{"a": "x"}'] },
  { name: 'debug escapes quotes and new-lines', script: 'debug("a\\"b\\nc");', output: ['"a\\"b\\nc"'] },
  { name: 'to_debug of a string', script: '"hi".to_debug()', value: '"hi"' },
  { name: 'to_debug of a char', script: "'x'.to_debug()", value: "'x'" },
  { name: 'to_debug of unit', script: 'to_debug(())', value: '()' },
  {
    name: 'output order follows execution',
    script: 'print(1); debug(2); print(3);',
    output: ['1', '2', '3'],
  },
  {
    name: 'print inside a function',
    script: 'fn say(x) { print(`say ${x}`); } say(1); say(2);',
    output: ['say 1', 'say 2'],
  },
  { name: 'print inside a closure', script: 'let f = |x| print(x * 2); f.call(21);', output: ['42'] },
  { name: 'print inside a loop', script: 'for i in 0..3 { print(i); }', output: ['0', '1', '2'] },
  {
    name: 'output before an error is kept',
    script: 'print("before"); 1 / 0; print("after");',
    error: 'ErrorArithmetic',
    output: ['before'],
  },
  { name: 'print of a string with new-lines is one call', script: 'print("a\\nb");', output: ['a\nb'] },
  { name: 'print of an empty string', script: 'print("");', output: [''] },
];
