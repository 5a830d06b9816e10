/** Book: language/eval.md — `eval` runs a script string inside the current scope. */
import type { ConformanceCase } from '../harness.js';

/** `eval`: scope sharing, persistence of definitions, limits of what it can do, disabling it. */
export const evalCases: readonly ConformanceCase[] = [
  {
    name: 'book: eval sees and defines variables',
    script:
      'let x = 10; fn foo(x) { x += 12; x } let script = "let y = x;"; script += "y += foo(y);"; script += "x + y"; let result = eval(script); [result, x, y]',
    value: [42, 10, 32],
  },
  {
    name: 'book: eval in a block keeps variables local',
    script: 'eval("{ let z = 1 }"); z',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'book: eval modifies the current scope',
    script: 'let script = "x += 32"; let x = 10; eval(script); x',
    value: 42,
  },
  { name: 'eval returns the last value', script: 'eval("1 + 2")', value: 3 },
  { name: 'eval of an empty string is unit', script: 'eval("")', value: null },
  { name: 'eval can print', script: 'eval("print(42)");', output: ['42'] },
  { name: 'eval can call script functions', script: 'fn f() { 7 } eval("f() * 6")', value: 42 },
  { name: 'eval result keeps its type', script: 'type_of(eval("1.5"))', value: 'f64' },
  { name: 'nested eval', script: 'eval("eval(\\"40 + 2\\")")', value: 42 },
  { name: 'eval with a syntax error fails', script: 'eval("let = ;")', error: 'any' },
  {
    name: 'eval runtime errors propagate',
    script: 'eval("1 / 0")',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorArithmetic',
  },
  {
    name: 'eval errors can be caught',
    script: 'try { eval("1 / 0"); "no" } catch { "caught" }',
    value: 'caught',
  },
  { name: 'book: eval cannot define functions', script: 'eval("fn f() { 1 }"); f()', error: 'any' },
  { name: 'book: eval is not a method', script: '"print(42)".eval();', error: 'any' },
  { name: 'eval needs a string', script: 'eval(42)', error: 'any' },
  {
    name: 'book: overriding eval with a script function',
    script: 'fn eval(script) { throw "eval is evil! I refuse to run " + script } let x = eval("40 + 2");',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorRuntime',
    thrown: 'eval is evil! I refuse to run 40 + 2',
  },
  { name: 'eval disabled by the host', script: 'eval("1")', options: { disableEval: true }, error: 'any' },
  {
    name: 'eval disabled by the host does not run the text',
    script: 'try { eval("print(1)"); } catch { } 0',
    options: { disableEval: true },
    output: [],
  },
  {
    name: 'eval shares the caller scope inside a function',
    script: 'fn f() { let a = 5; eval("a * 2") } f()',
    value: 10,
  },
  {
    name: 'eval obeys operation limits',
    script: 'eval("loop { }")',
    options: { limits: { maxOperations: 10_000 } },
    error: 'ErrorInFunctionCall',
    cause: 'ErrorTooManyOperations',
  },
];
