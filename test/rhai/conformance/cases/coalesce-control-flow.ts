/** `??` with control flow on its right (issue 16): `x ?? break`, `?? continue`, `?? return`, `?? throw`. */
import type { ConformanceCase } from '../harness.js';

export const coalesceControlFlowCases: readonly ConformanceCase[] = [
  { name: '?? break with a value', script: 'let x = (); loop { let v = x ?? break 42; }', value: 42 },
  {
    name: '?? break leaves values alone',
    script: 'let x = 3; loop { let v = x ?? break 42; break v * 2; }',
    value: 6,
  },
  {
    name: '?? continue',
    script: 'let s = 0; for v in [1, (), 2] { let w = v ?? continue; s += w; } s',
    value: 3,
  },
  {
    name: '?? return',
    script: 'fn f(x) { let v = x ?? return "none"; `got ${v}` } f(()) + "/" + f(1)',
    value: 'none/got 1',
  },
  { name: '?? throw', script: 'let x; try { x ?? throw "missing" } catch (e) { e }', value: 'missing' },
  { name: '?? break outside a loop', script: 'let x = (); x ?? break;', parseError: 'LoopBreak' },
];
