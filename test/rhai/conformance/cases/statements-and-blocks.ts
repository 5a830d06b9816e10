/** Book: language/statements.md, language/statement-expression.md, language/return.md. */
import type { ConformanceCase } from '../harness.js';

/** Statements: semicolons, block values, statement expressions, global return, parse errors with positions. */
export const statementsAndBlocksCases: readonly ConformanceCase[] = [
  { name: 'book: a block is an expression', script: 'let a = { 40 + 2 }; a', value: 42 },
  {
    name: 'book: last statement of a block may have a semicolon',
    script: 'let a = { 40 + 2; }; a',
    value: 42,
  },
  {
    name: 'book: let needs a semicolon even after a block',
    script: 'let a = { 40 + 2 } let b = 1;',
    error: 'ErrorParsing',
  },
  {
    name: 'book: statements are separated by semicolons',
    script: 'let a = 1 let b = 2;',
    error: 'ErrorParsing',
  },
  {
    name: 'book: if needs no semicolon',
    script: 'let a = 0; let foo = true; if foo { a = 42 } a',
    value: 42,
  },
  { name: 'book: last expression without a semicolon is the result', script: '4 * 10 + 2', value: 42 },
  { name: 'last expression with a semicolon is still the result', script: '4 * 10 + 2;', value: 42 },
  { name: 'book: expression statement', script: 'let foo = 1; foo < 42; 7', value: 7 },
  { name: 'empty statements are allowed', script: ';;; 1', value: 1 },
  { name: 'block with only a let is unit', script: '{ let x = 1; }', value: null },
  { name: 'empty block is unit', script: '{ }', value: null },
  { name: 'nested blocks', script: '{ { { 3 } } }', value: 3 },
  {
    name: 'block value from an if inside',
    script: 'let v = { let t = 5; if t > 3 { "big" } else { "small" } }; v',
    value: 'big',
  },
  { name: 'statements run in order', script: 'print("a"); print("b"); print("c");', output: ['a', 'b', 'c'] },
  {
    name: 'book: return stops evaluation',
    script: 'print("a"); return 1; print("b");',
    value: 1,
    output: ['a'],
  },
  {
    name: 'return inside a nested block at global level',
    script: '{ { return "deep"; } } "shallow"',
    value: 'deep',
  },
  {
    name: 'return inside a loop at global level',
    script: 'for i in 0..10 { if i == 3 { return i; } } -1',
    value: 3,
  },
  { name: 'unclosed block is a parse error', script: 'fn f() {\n  1\n', error: 'ErrorParsing' },
  { name: 'unclosed parenthesis is a parse error', script: 'let x = (1 + 2;', error: 'ErrorParsing' },
  {
    name: 'missing expression after = is a parse error at its position',
    script: 'let x = ;',
    error: 'ErrorParsing',
    at: [1, 9],
  },
  { name: 'stray closing brace is a parse error', script: '1 }', error: 'ErrorParsing' },
  { name: 'unknown operator-like input is a parse error', script: 'let x = 1 @ 2;', error: 'ErrorParsing' },
  { name: 'reserved symbol ++ is a parse error', script: 'let x = 1; x++;', error: 'ErrorParsing' },
  { name: 'reserved symbol -- is a parse error', script: 'let x = 1; x--;', error: 'ErrorParsing' },
  { name: 'reserved symbol -> is a parse error', script: 'let x = 1 -> 2;', error: 'ErrorParsing' },
  { name: 'missing closing bracket is a parse error', script: '[1, 2', error: 'ErrorParsing' },
  { name: 'missing map closing brace is a parse error', script: '#{a: 1', error: 'ErrorParsing' },
  {
    name: 'parse errors report the line',
    script: 'let a = 1;\nlet b = 2;\nlet c = ;',
    error: 'ErrorParsing',
    at: [3, 9],
  },
  {
    name: 'runtime errors report the line inside a function',
    script: 'fn f(x) {\n  x / 0\n}\nf(1)',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorArithmetic',
    at: [2, 5],
  },
  {
    name: 'runtime errors report the line of a nested expression',
    script: 'let a = [1, 2];\nlet b = #{ c: missing_var };',
    error: 'ErrorVariableNotFound',
    at: [2, 15],
  },
  { name: 'CRLF line endings are accepted', script: 'let a = 1;\r\nlet b = 2;\r\na + b', value: 3 },
  {
    name: 'CRLF line endings count lines',
    script: 'let a = 1;\r\nnope',
    error: 'ErrorVariableNotFound',
    at: [2, 1],
  },
  { name: 'tabs are whitespace', script: 'let\ta\t=\t1;\ta', value: 1 },
];
