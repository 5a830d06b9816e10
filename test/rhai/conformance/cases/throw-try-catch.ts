/** Book: language/throw.md, language/try-catch.md — exceptions. */
import type { ConformanceCase } from '../harness.js';

/** `throw` and `try`/`catch`: thrown values, rethrow, catchable system errors and positions. */
export const throwTryCatchCases: readonly ConformanceCase[] = [
  { name: 'throw an integer', script: 'throw 42;', error: 'ErrorRuntime', thrown: 42 },
  { name: 'throw a string', script: 'throw "boom";', error: 'ErrorRuntime', thrown: 'boom' },
  { name: 'book: throw without a value throws unit', script: 'throw;', error: 'ErrorRuntime', thrown: null },
  {
    name: 'throw a map',
    script: 'throw #{code: 404, msg: "missing"};',
    error: 'ErrorRuntime',
    thrown: { code: 404, msg: 'missing' },
  },
  { name: 'throw an array', script: 'throw [1, 2];', error: 'ErrorRuntime', thrown: [1, 2] },
  {
    name: 'book: throw position is the thrown expression',
    script: '\n    let x = 42;\n\n    if x > 0 {\n        throw x;\n    }\n',
    error: 'ErrorRuntime',
    thrown: 42,
    at: [5, 15],
  },
  {
    name: 'book: catch captures the value',
    script: 'try { throw 42; } catch (err) { print(err); }',
    output: ['42'],
  },
  {
    name: 'book: catch without a variable',
    script: 'try { print(42 / 0); } catch { print("Ouch!"); }',
    output: ['Ouch!'],
  },
  {
    name: 'book: throw inside catch throws a new error',
    script: 'try { print(42 / 0); } catch { print("dividing by zero"); throw "die"; }',
    error: 'ErrorRuntime',
    thrown: 'die',
    output: ['dividing by zero'],
  },
  {
    name: 'book: throw from a function is caught by the caller',
    script:
      'fn code_that_throws() { throw 42; } let r = 0; try { code_that_throws(); } catch (err) { r = err; } r',
    value: 42,
  },
  {
    name: 'book: re-throw keeps the original value',
    script: 'try { throw "first"; } catch { throw; }',
    error: 'ErrorRuntime',
    thrown: 'first',
  },
  {
    name: 'code after the throw does not run',
    script: 'try { throw 1; print("no"); } catch { print("yes"); }',
    output: ['yes'],
  },
  {
    name: 'catch is skipped when nothing is thrown',
    script: 'let r = "start"; try { r = "tried"; } catch { r = "caught"; } r',
    value: 'tried',
  },
  {
    name: 'catch variable is local to the catch block',
    script: 'try { throw 1; } catch (e) { } e',
    error: 'ErrorVariableNotFound',
  },
  {
    name: 'thrown map properties are readable',
    script: 'let code = 0; try { throw #{code: 7}; } catch (e) { code = e.code; } code',
    value: 7,
  },
  {
    name: 'nested try: inner catches',
    script:
      'let log = []; try { try { throw 1; } catch (e) { log.push(e); } log.push(2); } catch { log.push(3); } log',
    value: [1, 2],
  },
  {
    name: 'nested try: rethrow reaches the outer catch',
    script:
      'let log = []; try { try { throw 1; } catch { log.push("inner"); throw; } } catch (e) { log.push(e); } log',
    value: ['inner', 1],
  },
  {
    name: 'try in a loop',
    script: 'for i in 0..3 { try { if i == 1 { throw i; } } catch (e) { print(e); } }',
    output: ['1'],
  },
  {
    name: 'throw unwinds nested function calls',
    script: 'fn a() { b() } fn b() { throw "deep"; } let r = ""; try { a(); } catch (e) { r = e; } r',
    value: 'deep',
  },
  {
    name: 'state changes before the throw persist',
    script: 'let n = 0; try { n = 1; throw 0; } catch { } n',
    value: 1,
  },
  { name: 'catches arithmetic errors', script: 'try { 1 / 0 } catch { "caught" }', value: 'caught' },
  { name: 'catches index errors', script: 'let r = 0; try { [1][5]; } catch { r = 1; } r', value: 1 },
  {
    name: 'catches variable-not-found errors',
    script: 'let r = 0; try { undefined_thing; } catch { r = 1; } r',
    value: 1,
  },
  {
    name: 'catches function-not-found errors',
    script: 'let r = 0; try { nope(); } catch { r = 1; } r',
    value: 1,
  },
  { name: 'catches type errors', script: 'let r = 0; try { if 1 { } } catch { r = 1; } r', value: 1 },
  {
    name: 'catches unbound this',
    script: 'fn f() { this } let r = 0; try { f(); } catch { r = 1; } r',
    value: 1,
  },
  {
    name: 'catches module-not-found',
    script: 'let r = 0; try { import "nope" as n; } catch { r = 1; } r',
    modules: {},
    value: 1,
  },
  {
    name: 'system error value is not unit',
    script: 'let t = ""; try { 1 / 0; } catch (e) { t = type_of(e); } t != "()"',
    value: true,
  },
  {
    name: 'system error value carries a message',
    script:
      'let m = ""; try { 1 / 0; } catch (e) { m = if type_of(e) == "map" { e.message } else { e }; } m.len() > 0',
    value: true,
  },
  {
    name: 'try as a value of the last statement in a block',
    script: 'let v = { try { throw 5; } catch (e) { e * 2 } }; v',
    value: 10,
  },
  {
    name: 'uncaught throw from a nested function keeps the value',
    script: 'fn f() { throw #{a: [1]}; } f();',
    error: 'ErrorInFunctionCall',
    cause: 'ErrorRuntime',
    thrown: { a: [1] },
  },
  { name: 'try requires a block', script: 'try throw 1; catch { }', error: 'ErrorParsing' },
  { name: 'catch requires a block', script: 'try { } catch (e) e', error: 'ErrorParsing' },
  { name: 'try without catch is a parse error', script: 'try { 1 }', error: 'ErrorParsing' },
];
