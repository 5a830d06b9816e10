// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/string-interp.md — back-tick strings with `${...}` blocks. */
import type { ConformanceCase } from '../harness.js';

/** String interpolation: values, nested blocks, nested strings, BLOBs, and what is not interpolated. */
export const stringInterpolationCases: readonly ConformanceCase[] = [
  {
    name: 'book: two interpolated variables',
    script: 'let x = 42; let y = 123; `x = ${x} and y = ${y}.`',
    value: 'x = 42 and y = 123.',
  },
  {
    name: 'book: de-sugared form gives the same string',
    script: 'let x = 42; let y = 123; ("x = " + {x} + " and y = " + {y} + ".")',
    value: 'x = 42 and y = 123.',
  },
  {
    name: 'book: block with statements and nested interpolation',
    script:
      'let x = 42; let y = 123;\nlet s = `\nUndeniable logic:\n1) Hello, ${let w = `${x} world`; if x > 1 { w += "s" } w}!\n2) If ${y} > ${x} then it is ${y > x}!\n`;\ns',
    value: 'Undeniable logic:\n1) Hello, 42 worlds!\n2) If 123 > 42 then it is true!\n',
  },
  {
    name: 'book: full name',
    script: 'let name = "Bob"; let mi = \'C\'; let last = "Davis"; `${name} ${mi}. ${last}`',
    value: 'Bob C. Davis',
  },
  {
    name: 'book: record with age',
    script: 'let full = "Bob C. Davis"; let age = 42; `${full}: age ${age}`',
    value: 'Bob C. Davis: age 42',
  },
  { name: 'interpolation result is a string', script: 'type_of(`${1}`)', value: 'string' },
  { name: 'interpolating an expression', script: '`sum: ${1 + 2 * 3}`', value: 'sum: 7' },
  { name: 'interpolating a float keeps .0', script: '`${2.0}`', value: '2.0' },
  { name: 'interpolating a string adds no quotes', script: 'let s = "hi"; `<${s}>`', value: '<hi>' },
  { name: 'interpolating a char', script: "`${'z'}`", value: 'z' },
  { name: 'interpolating unit gives nothing', script: '`a${()}b`', value: 'ab' },
  { name: 'interpolating a bool', script: '`${1 < 2}`', value: 'true' },
  { name: 'interpolating an array', script: '`${[1, "a"]}`', value: '[1, "a"]' },
  { name: 'interpolating a map', script: '`${#{a: 1}}`', value: '#{"a": 1}' },
  { name: 'interpolating a map property', script: 'let m = #{a: 7}; `${m.a}`', value: '7' },
  { name: 'interpolating a function call', script: 'fn twice(x) { x * 2 } `${twice(21)}`', value: '42' },
  { name: 'nested interpolated strings', script: '`a${`b${1 + 1}c`}d`', value: 'ab2cd' },
  { name: 'interpolation at start and end', script: 'let x = 1; `${x}-${x}`', value: '1-1' },
  { name: 'adjacent interpolations', script: '`${1}${2}${3}`', value: '123' },
  { name: 'empty back-tick string', script: '``', value: '' },
  {
    name: 'interpolation inside a loop sees the current value',
    script: 'let out = []; for i in 0..3 { out.push(`#${i}`); } out',
    value: ['#0', '#1', '#2'],
  },
  { name: 'a lone dollar is literal text', script: '`cost: $5`', value: 'cost: $5' },
  { name: 'a lone brace is literal text', script: '`{not}`', value: '{not}' },
  { name: 'escapes are not processed in back-tick strings', script: '`a\\nb`', value: 'a\\nb' },
  { name: 'normal strings do not interpolate', script: 'let x = 1; "${x}"', value: '${x}' },
  {
    name: 'book: building a literal ${ from pieces',
    script: '`Interpolations start with "` + "${" + `" and end with }.`',
    value: 'Interpolations start with "${" and end with }.',
  },
  {
    name: 'book: a BLOB interpolates as UTF-8 text',
    script: 'let b = blob(3, 0x21); `Data: ${b}`',
    value: 'Data: !!!',
  },
  {
    name: 'book: BLOB to_string inside interpolation',
    script: 'let b = blob(3, 0x21); `Data: ${b.to_string()}`',
    value: 'Data: [212121]',
  },
  { name: 'book: print of a BLOB is hex', script: 'print(blob(3, 0x21));', output: ['[212121]'] },
  { name: 'interpolation block can define variables', script: '`${let a = 2; a * a}`', value: '4' },
  {
    name: 'variables defined inside interpolation do not leak',
    script: '`${let inner = 1; inner}`; inner',
    error: 'ErrorVariableNotFound',
  },
  { name: 'errors inside interpolation propagate', script: '`${1 / 0}`', error: 'ErrorArithmetic' },
  { name: 'unterminated interpolation is a parse error', script: '`abc ${1 + 2`', error: 'ErrorParsing' },
  { name: 'unterminated back-tick string is a parse error', script: '`abc', error: 'ErrorParsing' },
  { name: 'interpolation spanning lines', script: '`a${\n  1 +\n  2\n}b`', value: 'a3b' },
  { name: 'interpolated text keeps new-lines', script: 'let n = 1; `x\n${n}\ny`', value: 'x\n1\ny' },
  {
    name: 'interpolation with an if-expression',
    script: 'let n = 5; `${if n > 3 { "big" } else { "small" }}`',
    value: 'big',
  },
  {
    name: 'interpolation with a switch',
    script: 'let n = 2; `${switch n { 1 => "one", 2 => "two", _ => "many" }}`',
    value: 'two',
  },
  { name: 'interpolation with closures', script: 'let f = |x| x + 1; `${f.call(1)}`', value: '2' },
  { name: 'printing an interpolated string', script: 'let x = 42; print(`hello${x}`);', output: ['hello42'] },
];
