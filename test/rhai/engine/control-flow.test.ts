import { describe, expect, it } from 'vitest';
import { THROWN_TEXT_MAX } from '../../../server/rhai/runtime/runtime.js';
import { fail, run } from './helpers.js';

describe('variables and blocks', () => {
  it.each([
    ['let x; x', null],
    ['let x = 1; { let x = 2; } x', 1],
    ['let x = 1; let x = x + 1; x', 2],
    ['let x = { 1; 2; 3 }; x', 3],
    ['let x = { let y = 4; y * 2 }; x', 8],
    ['let x = { let y = 4; y * 2; }; x', 8],
    ['const X = 5; X * 2', 10],
    ['let _x1 = 3; _x1', 3],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('enforces naming and constant rules at compile time', () => {
    expect(fail('const X = 1; X = 2;').parseKind).toBe('AssignmentToConstant');
    // Assigning into a constant is a run-time error, as in Rhai.
    expect(fail('const X = [1]; X[0] = 2;').kind).toBe('ErrorAssignmentToConstant');
    expect(fail('let _ = 1;').parseKind).toBe('VariableExpected');
    expect(fail('let _1 = 1;').parseKind).toBe('BadInput');
    expect(fail('let let = 1;').kind).toBe('ErrorParsing');
    expect(fail('let var = 1;').parseKind).toBe('Reserved');
    expect(fail('1 = 2;').parseKind).toBe('AssignmentToConstant');
    expect(fail('let a = 1; let b = 2; a = b = 3;').parseKind).toBe('AssignmentToInvalidLHS');
  });

  it('reports unknown variables at run time', () => {
    const e = fail('let a = 1;\nb + a');
    expect(e.kind).toBe('ErrorVariableNotFound');
    expect(e.message).toBe('Variable not found: b');
    expect(e.position).toEqual({ line: 2, column: 1 });
  });
});

describe('if and switch', () => {
  it.each([
    ['if false { 1 }', null],
    ['if 1 > 2 { "a" } else if 2 > 1 { "b" } else { "c" }', 'b'],
    ['let x = 1 + if true { 42 } else { 123 } / 2; x', 22],
    ['switch 3 { 1 => "a", 2 | 3 => "b", _ => "c" }', 'b'],
    ['switch 9 { 1 => "a", _ => "c" }', 'c'],
    ['switch 9 { 1 => "a" }', null],
    ['switch 42 { 0..10 => 1, 40..=50 if true => 2, _ => 3 }', 2],
    ['switch 42 { 42 if false => 0, 0..50 => 1, _ => 3 }', 1],
    ['switch 42.0 { 42 => "int", _ => "other" }', 'other'],
    ['switch "b" { "a" => 1, "b" => { let y = 2; y * 10 } }', 20],
    ["switch 'x' { 'x' => 1, _ => 2 }", 1],
    ['switch [1, "a"] { [1, "a"] => 1, _ => 2 }', 1],
    ['switch #{a: 1} { #{a: 1} => 1, _ => 2 }', 1],
    ['switch () { () => 1, _ => 2 }', 1],
    ['let v = 0; switch 1 { 1 => v = 5, _ => v = 6 } v', 5],
    [
      'let r = []; for x in [1, 2, 3] { r.push(switch x { 1 => "one", 2 => "two", _ => "many" }) } r',
      ['one', 'two', 'many'],
    ],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('validates switch cases', () => {
    expect(fail('switch 1 { _ => 1, 1 => 2 }').parseKind).toBe('WrongSwitchDefaultCase');
    expect(fail('switch 1 { _ if true => 1 }').parseKind).toBe('WrongSwitchCaseCondition');
    expect(fail('switch 1 { 0..5 => 1, 7 => 2 }').parseKind).toBe('WrongSwitchIntegerCase');
    expect(fail('let y = 1; switch 1 { y => 1 }').parseKind).toBe('ExprExpected');
  });

  it('requires braces', () => {
    expect(fail('if true 1').kind).toBe('ErrorParsing');
  });
});

describe('loops', () => {
  it.each([
    ['let i = 0; while i < 10 { i += 1; if i == 5 { break; } } i', 5],
    ['let i = 0; let s = 0; while i < 10 { i += 1; if i % 2 == 0 { continue; } s += i; } s', 25],
    ['let x = 10; do { x -= 1 } while x > 5; x', 5],
    ['let x = 0; do { x += 1; if x == 2 { continue; } } until x >= 5; x', 5],
    ['let x = 0; loop { x += 1; if x > 3 { break; } } x', 4],
    ['let r = loop { break 42; }; r', 42],
    ['let i = 0; let r = while i < 5 { i += 1; if i == 3 { break i * 10; } }; r', 30],
    ['let r = for x in 0..10 { if x == 7 { break x; } }; r', 7],
    ['let s = 0; for i in 0..10 { s += i } s', 45],
    ['let s = 0; for i in 1..=10 { s += i } s', 55],
    ['let r = []; for x in 3..1 { r.push(x) } r', []],
    ['let s = 0; for (x, i) in [10, 20, 30] { s += x * i } s', 80],
    ['let r = []; for (x, i) in 5..8 { r.push(i) } r', [0, 1, 2]],
    ['let r = []; for c in "aé😀" { r.push(c) } r', ['a', 'é', '😀']],
    ['let r = []; let a = [1, 2]; for x in a { a.push(x) } a', [1, 2, 1, 2]],
    ['let r = []; for x in range(0, 10, 3) { r.push(x) } r', [0, 3, 6, 9]],
    [
      'let s = 0; for i in 0..3 { for j in 0..3 { if j == 1 { continue; } if i == 2 { break; } s += 1; } } s',
      4,
    ],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('refuses break/continue outside loops and non-iterables in for', () => {
    expect(fail('break;').parseKind).toBe('LoopBreak');
    expect(fail('fn f() { continue; }').parseKind).toBe('LoopBreak');
    expect(fail('for x in loop { break; } { }').kind).not.toBe('ErrorParsing');
    expect(fail('for x in 42 {}').kind).toBe('ErrorFor');
    expect(fail('for x in #{a: 1} {}').kind).toBe('ErrorFor');
  });
});

describe('try / catch / throw', () => {
  it.each([
    ['try { throw 42 } catch (e) { e + 1 }', 43],
    ['try { throw } catch (e) { e }', null],
    ['try { throw #{code: 7} } catch (e) { e.code }', 7],
    ['let r = 0; try { r = 1; throw "x"; r = 2; } catch { r += 10 } r', 11],
    ['fn f() { throw "deep" } try { f() } catch (e) { e }', 'deep'],
    ['let e = 0; try { 1 / 0 } catch (err) { e = err; } e.error', 'ErrorArithmetic'],
    ['let e = 0; try { [1][5] } catch (err) { e = err; } [e.line, e.index, e.length]', [1, 5, 1]],
    ['let m = 0; try { foo(1) } catch (err) { m = err.message } m', 'Function not found: foo (i64)'],
    ['let r = 0; try { try { throw 1 } catch (e) { throw e + 1 } } catch (e) { r = e } r', 2],
    ['let r = 0; try { try { throw 1 } catch { throw; } } catch (e) { r = e } r', 1],
    ['let r = 0; for i in 0..5 { try { if i == 3 { break; } r += 1 } catch {} } r', 3],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('throw ends the script with ErrorRuntime carrying the value', () => {
    const e = fail('throw "oops"');
    expect(e.kind).toBe('ErrorRuntime');
    expect(e.value).toBe('oops');
  });

  it('a huge thrown value is caught intact; the message shows only its start', () => {
    const big = 4 * 1024 * 1024;
    const limits = { maxStringSize: 8 * 1024 * 1024 };
    // Caught: the whole value, not its text.
    expect(
      run(`let s = "x"; s.pad(${big}, "y"); try { throw #{ big: s } } catch (e) { e.big.len() }`, { limits }),
    ).toBe(big);
    // Uncaught: the error carries the value whole, its message the first THROWN_TEXT_MAX units.
    const e = fail(`let s = "x"; s.pad(${big}, "y"); throw #{ big: s }`, { limits });
    expect(e.kind).toBe('ErrorRuntime');
    expect((e.value as Map<string, string>).get('big')).toHaveLength(big);
    expect(e.message.startsWith('Runtime error: #{"big": "xyyy')).toBe(true);
    expect(e.message.length).toBeLessThanOrEqual('Runtime error: '.length + THROWN_TEXT_MAX + 1);
    expect(e.message.endsWith('…')).toBe(true);
  });

  it('the message of a value whose text would be gigabytes costs no more than its start', () => {
    // 2,000 references to one 1 MiB string: ~2 GiB of text, if it were all written out.
    const e = fail(
      'let s = "\\\\"; s.pad(1048576, "\\\\"); let a = []; a.pad(2000, s); throw [a, #{ deep: a }]',
      { limits: { maxStringSize: 0, maxArraySize: 0 } },
    );
    expect((e.value as unknown[][])[0]).toHaveLength(2000);
    expect(e.message.startsWith('Runtime error: [["\\\\\\')).toBe(true);
    expect(e.message.length).toBeLessThanOrEqual('Runtime error: '.length + THROWN_TEXT_MAX + 1);
    // A short value reads as before, whole.
    expect(fail('throw #{ a: [1, "two"] }').message).toBe('Runtime error: #{"a": [1, "two"]}');
    // Cut on a character boundary: never half of a surrogate pair.
    const emoji = fail(`let s = "a"; s.pad(${THROWN_TEXT_MAX + 10}, "😀"); throw s`, {
      limits: { maxStringSize: 1024 * 1024 },
    });
    expect(emoji.message).not.toMatch(/[\uD800-\uDBFF]…$/);
  });

  it('cannot catch limit errors', () => {
    expect(fail('try { loop {} } catch { 1 }', { limits: { maxOperations: 1000 } }).kind).toBe(
      'ErrorTooManyOperations',
    );
    expect(fail('fn r() { r() } try { r() } catch { 1 }').kind).toBe('ErrorStackOverflow');
  });
});
