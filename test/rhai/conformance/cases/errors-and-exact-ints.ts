/**
 * Errors Rhai raises (issue 16) — bit ranges out of the 64 bits, a callback touching the array it
 * works on, impossible literal indexes, `( )` — and INTs that stay exact i64 beyond 2^53.
 */
import type { ConformanceCase } from '../harness.js';

export const errorsAndExactIntsCases: readonly ConformanceCase[] = [
  { name: 'bit range past bit 63', script: 'let x = 10; x[2..70]', error: 'ErrorBitFieldBounds' },
  { name: 'bit range ending at 64 is fine', script: 'let x = -1; x[60..64]', value: 15 },
  { name: 'inclusive bit range past bit 63', script: 'let x = 10; x[0..=64]', error: 'ErrorBitFieldBounds' },
  { name: 'negative bit range start', script: 'let x = 10; x[-2..3]', error: 'ErrorBitFieldBounds' },
  {
    name: 'assigning a bit range past bit 63',
    script: 'let x = 0; x[1..80] = 3;',
    error: 'ErrorBitFieldBounds',
  },
  {
    name: 'a callback changing the array it works on',
    script: 'let a = [1, 2, 3]; a.retain(|v| { a.push(v); true }); a',
    error: 'ErrorDataRace',
  },
  {
    name: 'a callback reading the array it works on',
    script: 'let a = [1, 2, 3]; a.map(|v| v + a.len())',
    error: 'ErrorDataRace',
  },
  {
    name: 'a closure using its own receiver',
    script: 'let n = 1; let add = |k| { this += n + k }; n.call(add, 2);',
    error: 'ErrorDataRace',
  },
  {
    name: 'a closure using another shared variable is fine',
    script: 'let n = 1; let m = 10; let add = |k| { this += n + k }; m.call(add, 2); m',
    value: 13,
  },
  {
    name: 'the array is usable again after the call',
    script: 'let a = [1]; let f = |v| v; a.map(f); a.push(2); a',
    value: [1, 2],
  },
  { name: 'string index of a map literal', script: '#{ a: 1 }["a"]', value: 1 },
  { name: 'char index of a map literal', script: "#{ a: 1 }['a']", parseError: 'MalformedIndexExpr' },
  { name: 'integer index of a map literal', script: '#{ a: 1 }[0]', parseError: 'MalformedIndexExpr' },
  { name: 'string index of an array literal', script: '[1, 2]["0"]', parseError: 'MalformedIndexExpr' },
  {
    name: 'bool index of an array literal',
    script: '[1, 2][1 > 0 && true]',
    parseError: 'MalformedIndexExpr',
  },
  {
    name: 'a variable index is checked when it runs',
    script: 'let k = "0"; [1, 2][k]',
    error: 'ErrorMismatchDataType',
  },
  { name: 'unit is written without a space', script: 'let u = (); u', value: null },
  { name: 'an empty parenthesis is an error', script: 'let u = ( ); u', parseError: 'ExprExpected' },
  {
    name: 'array bounds error shows the exact index',
    script: 'try { [1, 2, 3][9223372036854775807] } catch (e) { e.message }',
    value: 'Array index 9223372036854775807 out of bounds: only 3 elements in array',
  },
  {
    name: 'string bounds error shows the exact index',
    script: 'try { "ab"[-9223372036854775808] } catch (e) { e.index }',
    value: -9223372036854775808n,
  },
  { name: 'exact range length', script: '(1..9223372036854775807).len', value: 9223372036854775806n },
  {
    name: 'exact range bounds',
    script: 'let r = 9007199254740993..=9007199254740995; [r.start, r.end, r.len]',
    value: [9007199254740993n, 9007199254740995n, 3],
  },
  { name: 'exact contains', script: '9007199254740993 in 9007199254740993..9007199254740994', value: true },
  {
    name: 'exact not-contains',
    script: '9007199254740992 in 9007199254740993..9007199254740994',
    value: false,
  },
  {
    name: 'exact iteration past 2^53',
    script: 'let r = []; for i in 9007199254740991..=9007199254740993 { r.push(i) } r',
    value: [9007199254740991, 9007199254740992n, 9007199254740993n],
  },
  {
    name: 'exact display',
    script: '`${-9223372036854775808..9223372036854775807}`',
    value: '-9223372036854775808..9223372036854775807',
  },
];
