/**
 * Properties of the standard library as a whole: no duplicate signatures, getters mirror
 * methods, and the `mutates` flag (which lets the engine refuse mutation of constants) is set on
 * exactly the functions that change their receiver.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/rhai/runtime/limits.js';
import type { NativeCallContext, ParamType } from '../../../server/rhai/runtime/native.js';
import {
  cloneValue,
  FnPtr,
  RBlob,
  RChar,
  RFloat,
  RRange,
  RTimestamp,
  type Value,
  valuesEqual,
} from '../../../server/rhai/runtime/value.js';
import {
  registerStandardLibrary,
  standardLibrary,
  standardPackages,
} from '../../../server/rhai/stdlib/index.js';

const defs = standardLibrary();

/** A plausible argument of each parameter type. */
function sample(t: ParamType, position: number): Value {
  switch (t) {
    case 'int':
      return position === 0 ? 123456 : 1;
    case 'float':
      return 1.5;
    case 'bool':
      return true;
    case 'string':
      return ' héllo, world ';
    case 'char':
      return RChar.fromString('x');
    case 'array':
      return [3, 1, 2];
    case 'map':
      return new Map<string, Value>([
        ['b', 2],
        ['a', 1],
      ]);
    case 'blob':
      return new RBlob([1, 2, 3, 4]);
    case 'timestamp':
      return new RTimestamp(1000);
    case 'fnptr':
      return new FnPtr('cb');
    case 'range':
      return new RRange(1, 3, false);
    case 'unit':
      return undefined;
    case 'any':
      return 7;
    default:
      return undefined;
  }
}

describe('standard library registry', () => {
  it('has no duplicate signatures', () => {
    const seen = new Set<string>();
    for (const d of defs) {
      const key = `${d.name}(${d.params.join(',')})`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('every property getter has the matching method', () => {
    for (const d of defs.filter((x) => x.name.startsWith('get$'))) {
      const method = d.name.slice(4);
      expect(
        defs.some((m) => m.name === method && m.params.join() === d.params.join()),
        method,
      ).toBe(true);
    }
  });

  it('registerStandardLibrary registers every function once', () => {
    const names: string[] = [];
    registerStandardLibrary({ register: (d) => names.push(d.name) });
    expect(names.length).toBe(defs.length);
    expect(Object.values(standardPackages).flat().length).toBe(defs.length);
  });

  it('functions that change their receiver are flagged `mutates`, and only those', () => {
    const wrong: string[] = [];
    for (const d of defs) {
      if (d.params.length === 0) continue;
      const args = d.params.map(sample);
      const before = cloneValue(args[0]);
      let thisSet = false;
      const ctx: NativeCallContext = {
        // Callbacks answer `true`, so filters/drains actually remove something.
        callFnPtr: () => true,
        callFnPtrWithThis: () => true,
        fnPtrAcceptsArgs: (_fn, n) => n === 1 || n === 2,
        setThis: () => {
          thisSet = true;
        },
        position: { line: 1, column: 1 },
        limits: DEFAULT_LIMITS,
        addOperations: () => {},
      };
      try {
        d.fn(ctx, args);
      } catch {
        // Some samples are not valid for every function; only observed changes matter here.
      }
      const changed =
        thisSet || !valuesEqual(before, args[0]) || (args[0] instanceof RFloat && before !== args[0]);
      if (changed && !d.mutates) wrong.push(`${d.name}(${d.params.join(', ')}) changes its receiver`);
    }
    expect(wrong).toEqual([]);
  });

  it('functions flagged `mutates` are methods that can change their receiver', () => {
    const pure = new Set([
      'to_upper',
      'to_lower',
      'get',
      'len',
      'contains',
      'index_of',
      'sub_string',
      'extract',
    ]);
    for (const d of defs.filter((x) => x.mutates)) {
      expect(pure.has(d.name), d.name).toBe(false);
      expect(d.params.length).toBeGreaterThan(0);
    }
  });
});
