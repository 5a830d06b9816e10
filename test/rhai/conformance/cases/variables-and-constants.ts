/** Book: language/variables.md, language/constants.md, language/shadow.md, language/global.md. */
import type { ConformanceCase } from '../harness.js';

/** Variables and constants: naming rules, scoping, shadowing, `is_def_var`, `const`, `global::`. */
export const variablesAndConstantsCases: readonly ConformanceCase[] = [
  { name: 'book: let without a value is unit', script: 'let x; x', value: null, type: '()' },
  { name: 'book: let with a value', script: 'let x = 3; x', value: 3 },
  { name: 'book: leading underscore is OK', script: 'let _x = 42; _x', value: 42 },
  { name: 'book: trailing underscore is OK', script: 'let x_ = 42; x_', value: 42 },
  { name: 'book: surrounding underscores are OK', script: 'let _x_ = 42; _x_', value: 42 },
  { name: 'letters then digits are OK', script: 'let r2d2 = 1; let _c3po = 2; r2d2 + _c3po', value: 3 },
  { name: 'book: lone underscore is not a variable name', script: 'let _ = 123;', error: 'ErrorParsing' },
  {
    name: 'book: underscore then digit is not a variable name',
    script: 'let _9 = 9;',
    error: 'ErrorParsing',
  },
  { name: 'digit first is not a variable name', script: 'let 3abc = 1;', error: 'ErrorParsing' },
  { name: 'book: names are case-sensitive', script: 'let x = 42; let X = 123; [x, X]', value: [42, 123] },
  { name: 'keyword is not a variable name', script: 'let if = 1;', error: 'ErrorParsing' },
  { name: 'reserved word is not a variable name', script: 'let var = 1;', parseError: 'Reserved' },
  { name: 'another reserved word', script: 'let static = 1;', parseError: 'Reserved' },
  { name: 'non-ASCII letters are not variable names', script: 'let ü = 1;', error: 'ErrorParsing' },
  { name: 'book: block variables shadow and disappear', script: 'let x = 42; { let x = 999; } x', value: 42 },
  { name: 'book: block sees the shadowing value', script: 'let x = 42; { let x = 999; x }', value: 999 },
  {
    name: 'assignment inside a block changes the outer variable',
    script: 'let x = 1; { x = 2; } x',
    value: 2,
  },
  {
    name: 'block-local variable is gone after the block',
    script: '{ let inner = 1; } inner',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'if-block variable is gone after the block',
    script: 'if true { let t = 1; } t',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'loop variable is gone after the loop',
    script: 'for i in 0..3 {} i',
    error: 'ErrorVariableNotFound',
  },
  { name: 'book: is_def_var on a defined variable', script: 'let x = 1; is_def_var("x")', value: true },
  {
    name: 'book: is_def_var on an underscored variable',
    script: 'let _x = 1; is_def_var("_x")',
    value: true,
  },
  { name: 'book: is_def_var on an undefined variable', script: 'is_def_var("y")', value: false },
  { name: 'is_def_var after a block ends', script: '{ let y = 1; } is_def_var("y")', value: false },
  {
    name: 'undefined variable is an error',
    script: 'let a = 1;\nlet b = c + 1;',
    error: 'ErrorVariableNotFound',
    at: [2, 9],
  },
  { name: 'book: shadowing in the same scope', script: 'let x = 42; let x = 88; x', value: 88 },
  { name: 'book: shadowing again', script: 'let x = 42; let x = 88; let x = 0; x', value: 0 },
  { name: 'shadowing may change the type', script: 'let x = 1; let x = "s"; type_of(x)', value: 'string' },
  {
    name: 'book: shadowing prints the right values',
    script:
      'let x = 42; let y = 123; print(x); let x = 88; print(x); { let x = 999; print(x); } print(x); print(y);',
    output: ['42', '88', '999', '88', '123'],
  },
  {
    name: 'shadowed variable initialiser sees the old value',
    script: 'let x = 1; let x = x + 1; x',
    value: 2,
  },
  {
    name: 'variables in a function do not leak',
    script: 'fn f() { let secret = 1; secret } f(); secret',
    error: 'ErrorVariableNotFound',
  },

  { name: 'book: constant usable in expressions', script: 'const x = 42; x * 2', value: 84 },
  { name: 'book: constant without a value is unit', script: 'const x; x', value: null },
  { name: 'book: constant from an expression', script: 'const x = 40 + 2; x', value: 42 },
  { name: 'constant follows naming rules', script: 'const _ = 1;', error: 'ErrorParsing' },
  { name: 'constant can be shadowed by let', script: 'const x = 1; let x = 2; x', value: 2 },
  {
    name: 'mutating method on a constant array is refused',
    script: 'const a = [1]; a.push(2);',
    error: 'ErrorNonPureMethodCallOnConstant',
  },
  { name: 'pure method on a constant array is fine', script: 'const a = [1, 2]; a.len()', value: 2 },
  {
    name: 'script method mutating a constant this is refused',
    script: 'fn double() { this *= 2; } const x = 21; x.double(); x',
    error: 'any',
  },
  {
    name: 'book: global constant through global::',
    script: 'const CONSTANT = 42; fn foo(x) { x * global::CONSTANT } foo(2)',
    value: 84,
  },
  {
    name: 'book: block constant is not in global',
    script: '{ const INNER = 0; } fn foo() { global::INNER } foo()',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorVariableNotFound',
  },
  {
    name: 'functions cannot see outer let variables',
    script: 'let x = 42; fn foo() { x } foo()',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorVariableNotFound',
  },
  { name: 'host scope variable is visible', script: 'x + 2', scope: { x: 40 }, value: 42 },
  { name: 'host scope variable can be shadowed', script: 'let x = 1; x', scope: { x: 40 }, value: 1 },
  { name: 'host constant is visible', script: 'NAME + "!"', constants: { NAME: 'pi' }, value: 'pi!' },
];
