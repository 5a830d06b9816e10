/**
 * `?.` and `?[` (issue 16): a link that meets `()` skips the whole rest of its chain, and
 * assignments through such a link do nothing.
 */
import type { ConformanceCase } from '../harness.js';

export const optionalChainingCases: readonly ConformanceCase[] = [
  { name: 'property of unit', script: 'let x = (); x?.name', value: null },
  { name: 'the rest of the chain is skipped', script: 'let x = (); x?.a.b.c', value: null },
  { name: 'methods after the link are skipped', script: 'let x = (); x?.items.len()', value: null },
  { name: 'indexes after the link are skipped', script: 'let x = (); x?[0][1][2]', value: null },
  { name: 'a later link short-circuits', script: 'let m = #{ a: () }; m.a?.b.c', value: null },
  { name: 'values pass through', script: 'let m = #{ a: #{ b: [7] } }; m?.a.b[0]', value: 7 },
  { name: 'a method on a value', script: "let c = 'q'; c?.to_upper()", value: 'Q' },
  { name: 'only the chain is skipped', script: 'let x = (); (x?.a.b ?? 5) + 1', value: 6 },
  { name: 'non-optional link on unit still fails', script: 'let x = (); x.a.b', error: 'ErrorDotExpr' },
  { name: 'assignment through ?[ on unit', script: 'let x = (); x?[2] = 42; x', value: null },
  { name: 'assignment through ?. on unit', script: 'let x = (); x?.a = 1; x', value: null },
  { name: 'assignment through ?. on a map', script: 'let x = #{}; x?.a = 1; x', value: { a: 1 } },
  { name: 'assignment through a deep link', script: 'let x = #{ a: () }; x.a?.b = 1; x', value: { a: null } },
  { name: 'compound assignment through ?[', script: 'let a = [1, 2]; a?[1] += 5; a', value: [1, 7] },
  { name: 'compound assignment skipped on unit', script: 'let a = (); a?[1] += 5; a', value: null },
];
