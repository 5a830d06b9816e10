/**
 * `eval` scoping (issue 16): variables and constants `eval` defines live in the caller's current
 * block, are visible after the call and shadow earlier variables of the same name, and go out of
 * scope with the block.
 */
import type { ConformanceCase } from '../harness.js';

export const evalScopingCases: readonly ConformanceCase[] = [
  { name: 'a new variable is visible after eval', script: 'eval("let total = 7"); total * 2', value: 14 },
  { name: 'eval shadows an earlier variable', script: 'let n = 1; eval("let n = 2"); n', value: 2 },
  {
    name: 'the shadowing variable sees the old one',
    script: 'let n = 10; eval("let n = n + 5"); n',
    value: 15,
  },
  {
    name: 'assigning after eval assigns the shadowing variable',
    script: 'let n = 1; eval("let n = 2"); n += 40; n',
    value: 42,
  },
  {
    name: 'a variable declared after eval shadows the eval one',
    script: 'eval("let v = 1"); let v = 2; v',
    value: 2,
  },
  {
    name: 'eval inside a block defines into that block only',
    script: 'let a = "outer"; let r = { eval("let a = \\"inner\\""); a }; r + "/" + a',
    value: 'inner/outer',
  },
  {
    name: 'a block inside the eval code stays private',
    script: 'let k = 1; eval("{ let k = 99; }"); k',
    value: 1,
  },
  {
    name: 'eval in a loop body is fresh each iteration',
    script: 'let s = 0; for i in 0..3 { eval("let d = i * 10"); s += d; } s',
    value: 30,
  },
  {
    name: 'a constant from eval is constant',
    script: 'eval("const C = 3"); C = 4;',
    error: 'ErrorAssignmentToConstant',
  },
  {
    name: 'a top-level constant from eval is a global constant',
    script: 'const LIMIT = 1; fn limit() { global::LIMIT } eval("const LIMIT = 5;"); limit()',
    value: 5,
  },
  {
    name: 'a constant from eval in a block is not global',
    script: 'const LIMIT = 1; fn limit() { global::LIMIT } { eval("const LIMIT = 5;"); } limit()',
    value: 1,
  },
  {
    name: 'eval inside a function defines into the function',
    script: 'fn f() { let x = 1; eval("let x = 5"); x } f()',
    value: 5,
  },
  {
    name: 'top-level eval variables reach the host scope',
    script: 'eval("let made = 11"); made',
    scope: {},
    value: 11,
  },
];
