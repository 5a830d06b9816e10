/**
 * Every SDK function, called with every kind of odd argument a script can build (NUL, special
 * characters, long and nested values, extreme integers, NaN, function pointers…), must answer, refuse
 * with an SDK reason (a catchable error with the position) or stop at a sandbox limit — never let a
 * JavaScript exception escape, hang, or take the worker down.
 */
import { describe, expect, it } from 'vitest';
import { ServiceBinding, sdkModules } from '../../server/executor/sdk/index.js';
import { runScript } from '../support/script-runner.js';

/** Rhai expressions for hostile arguments. */
const HOSTILE = [
  '()',
  'true',
  '0',
  '-1',
  '9223372036854775807',
  '-9223372036854775808',
  '1.0 / 0.0',
  '0.0 / 0.0',
  '-0.0',
  '""',
  '"\\0"',
  '"\\uFFFF\\uFEFF"',
  '"%"',
  '"%%%"',
  '"=="',
  '"\u00e9\u{1F600}"',
  '"x".pad(900, "%")',
  "'c'",
  'blob(0)',
  'blob(64, 0xff)',
  '[]',
  '[(), [[[[]]]]]',
  '#{}',
  '#{ a: #{ b: [1, 2] }, "": () }',
  'Fn("print")',
  '1..5',
  'timestamp()',
];

const functions = Object.entries(sdkModules(new ServiceBinding())).flatMap(([module, host]) =>
  (host.functions ?? []).map((def) => ({ name: `${module}::${def.name}`, arity: def.params.length })),
);

describe.each(functions)('$name', ({ name, arity }) => {
  it('answers, refuses with a reason or stops at a limit, for every odd argument', () => {
    const positions = arity === 0 ? [[]] : HOSTILE.map((value) => Array(arity).fill(value));
    // Each hostile value in every position, the others a plain string.
    const calls = new Set<string>();
    for (const args of positions) calls.add(`${name}(${args.join(', ')})`);
    for (let i = 0; i < arity; i++) {
      for (const value of HOSTILE) {
        const args = Array(arity).fill('"x"');
        args[i] = value;
        calls.add(`${name}(${args.join(', ')})`);
      }
    }
    for (const call of calls) {
      const { result } = runScript(`${call}; "answered"`, {
        limits: { maxStringSize: 10_000, maxArraySize: 10_000 },
      });
      // A JavaScript exception escaping a function would fail the run without an SDK reason.
      const expected =
        result.ok ||
        result.error.details?.reason !== undefined ||
        result.error.code === 'PICLOUD_ERR_SCRIPT_LIMIT';
      expect(expected, `${call}: ${JSON.stringify(result)}`).toBe(true);
    }
  });
});
