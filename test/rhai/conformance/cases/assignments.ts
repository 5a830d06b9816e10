/** Book: language/assignment.md, language/assignment-op.md — plain and compound assignment. */
import type { ConformanceCase } from '../harness.js';

/** Assignment: compound operators, targets (index, property, bit), invalid targets and copies. */
export const assignmentsCases: readonly ConformanceCase[] = [
  { name: 'simple assignment', script: 'let x = 1; x = 2; x', value: 2 },
  { name: 'assignment is a statement with unit value', script: 'let x = 1; x = 2', value: null, type: '()' },
  { name: 'assignment can change the type', script: 'let x = 1; x = "one"; x', value: 'one' },
  { name: '+=', script: 'let n = 9; n += 8; n', value: 17 },
  { name: '-=', script: 'let n = 17; n -= 7; n', value: 10 },
  { name: '*=', script: 'let n = 10; n *= 6; n', value: 60 },
  { name: '/=', script: 'let n = 60; n /= 5; n', value: 12 },
  { name: '%=', script: 'let n = 12; n %= 5; n', value: 2 },
  { name: '**=', script: 'let n = 3; n **= 3; n', value: 27 },
  { name: '<<=', script: 'let n = 3; n <<= 2; n', value: 12 },
  { name: '>>=', script: 'let n = 12; n >>= 1; n', value: 6 },
  { name: '&=', script: 'let n = 0x1234; n &= 0x00ff; n', value: 0x34 },
  { name: '|=', script: 'let n = 0x1200; n |= 0x00ff; n', value: 0x12ff },
  { name: '^=', script: 'let n = 0x12ff; n ^= 0x00ff; n', value: 0x1200 },
  {
    name: 'book: the whole compound chain',
    script:
      'let number = 9; number += 8; number -= 7; number *= 6; number /= 5; number %= 4; number **= 3; number <<= 2; number >>= 1; number &= 0x00ff; number |= 0x00ff; number ^= 0x00ff; number',
    value: 0,
  },
  {
    name: 'compound overflow is an arithmetic error',
    script: 'let n = 9223372036854775807; n += 1;',
    error: 'ErrorArithmetic',
  },
  { name: 'compound division by zero', script: 'let n = 1; n /= 0;', error: 'ErrorArithmetic' },
  { name: 'compound modulo by zero', script: 'let n = 1; n %= 0;', error: 'ErrorArithmetic' },
  { name: 'float compound assignment', script: 'let f = 2.0; f *= 2.5; f', value: 5, type: 'f64' },
  { name: 'int += float makes a float', script: 'let i = 1; i += 1.5; i', value: 2.5, type: 'f64' },
  {
    name: 'book: flexible += on strings',
    script: 'let my_str = "abc"; my_str += "ABC"; my_str += 12345; my_str',
    value: 'abcABC12345',
  },
  {
    name: 'book: flexible += on arrays',
    script: 'let my_array = [1, 2, 3]; my_array += [4, 5]; my_array',
    value: [1, 2, 3, 4, 5],
  },
  {
    name: 'book: flexible += on maps',
    script: 'let my_obj = #{a:1, b:2}; my_obj += #{c:3, d:4, e:5}; my_obj.len()',
    value: 5,
  },
  { name: 'compound assignment to an undefined variable', script: 'x += 1;', error: 'ErrorVariableNotFound' },
  { name: 'assignment to an undefined variable', script: 'y = 1;', error: 'ErrorVariableNotFound' },
  { name: 'index assignment', script: 'let a = [1, 2]; a[1] = 5; a', value: [1, 5] },
  { name: 'index compound assignment', script: 'let a = [1, 2]; a[0] += 10; a', value: [11, 2] },
  { name: 'string char assignment', script: 'let s = "ab"; s[0] = \'X\'; s', value: 'Xb' },
  { name: 'bit assignment', script: 'let n = 5; n[0] = false; n', value: 4 },
  { name: 'property assignment', script: 'let m = #{}; m.a = 1; m.a', value: 1 },
  {
    name: 'nested property assignment',
    script: 'let m = #{a: #{b: 1}}; m.a.b = 2; m',
    value: { a: { b: 2 } },
  },
  { name: 'array-in-map element assignment', script: 'let m = #{l: [0, 0]}; m.l[1] = 3; m.l', value: [0, 3] },
  { name: 'map-in-array property assignment', script: 'let a = [#{x: 1}]; a[0].x += 1; a[0].x', value: 2 },
  {
    name: 'compound on a missing property adds unit and fails',
    script: 'let m = #{}; m.y += 1;',
    error: 'ErrorFunctionNotFound',
  },
  { name: 'assignment copies arrays', script: 'let a = [1]; let b = a; b[0] = 2; a[0]', value: 1 },
  { name: 'assignment copies maps', script: 'let a = #{v: 1}; let b = a; b.v = 2; a.v', value: 1 },
  { name: 'self-assignment of a container', script: 'let a = [1, 2]; a = a; a', value: [1, 2] },
  { name: 'assigning an element of itself', script: 'let a = [[1], 2]; a = a[0]; a', value: [1] },
  { name: 'literal on the left is a constant', script: '1 = 2;', parseError: 'AssignmentToConstant' },
  {
    name: 'expression on the left is a parse error',
    script: 'let a = 1; a + 1 = 2;',
    parseError: 'AssignmentToInvalidLHS',
  },
  {
    name: 'function call on the left is a parse error',
    script: 'fn f() { 1 } f() = 2;',
    parseError: 'AssignmentToInvalidLHS',
  },
  {
    name: 'assignment to a constant is a parse error',
    script: 'const x = 42;\nx = 123;',
    parseError: 'AssignmentToConstant',
    at: [2, 1],
  },
  {
    name: 'compound assignment to a constant is a parse error',
    script: 'const x = 42; x += 1;',
    parseError: 'AssignmentToConstant',
  },
  {
    name: 'assignment to a host constant is a runtime error',
    script: 'LIMIT = 5;',
    constants: { LIMIT: 10 },
    error: 'ErrorAssignmentToConstant',
  },
  { name: 'host constant is readable', script: 'LIMIT * 2', constants: { LIMIT: 10 }, value: 20 },
  {
    name: 'host variable is writable and persists in the scope',
    script: 'counter += 1; counter',
    scope: { counter: 41 },
    value: 42,
  },
  { name: '== is not assignment', script: 'let x = 1; x == 2', value: false },
  // A char or bit stored into a string or an INT held in a container replaces the container's
  // element (strings and INTs are values), through every level of the chain.
  { name: 'char into a string in an array', script: 'let a = ["abc"]; a[0][1] = \'x\'; a', value: ['axc'] },
  {
    name: 'char into a string two arrays deep',
    script: 'let a = [["abc"], ["def"]]; a[1][0][2] = \'q\'; a',
    value: [['abc'], ['deq']],
  },
  {
    name: 'char into a string in a map',
    script: 'let m = #{s: "abc"}; m.s[0] = \'z\'; m',
    value: { s: 'zbc' },
  },
  {
    name: 'char into a string in a map in an array',
    script: 'let a = [#{s: "abc"}]; a[0].s[2] = \'y\'; a[0].s',
    value: 'aby',
  },
  { name: 'bit into an INT in an array', script: 'let a = [0, 1]; a[1][3] = true; a', value: [0, 9] },
  {
    name: 'char into a string at a loop variable index',
    script: 'let a = ["aaa", "bbb"]; for i in 0..2 { a[i][i] = \'-\'; } a',
    value: ['-aa', 'b-b'],
  },
];
