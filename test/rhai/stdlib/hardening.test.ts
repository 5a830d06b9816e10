/**
 * The standard library must never crash, exhaust or stall the host, whatever the limits (including
 * 0 = unlimited): hard caps are checked before anything is allocated, results are built in bulk,
 * long calls charge operations as they go (so `maxOperations`, the deadline and `onProgress` can
 * stop them), deeply nested data is walked without recursion, and no regex backtracks
 * quadratically.
 *
 * Sizes are chosen just past each cap: without the check, the call would allocate (and the
 * assertion that it failed would fail) rather than take the test process down. Calls made through
 * the {@link Harness} reach the natives directly, so a JS RangeError escaping a native fails the
 * test instead of being converted by the engine.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions, RhaiError, type RunOptions } from '../../../server/rhai/index.js';
import { HARD_LIMITS } from '../../../server/rhai/runtime/limits.js';
import { debugString, RBlob, RChar, type Value } from '../../../server/rhai/runtime/value.js';
import { ch, fl, Harness, kindOf, map } from './harness.js';

/** Run a script; its result (as JS) or the RhaiError kind it failed with. */
function run(source: string, options?: EngineOptions, runOptions?: RunOptions): unknown {
  try {
    return new Engine(options).eval(source, undefined, runOptions);
  } catch (e) {
    if (e instanceof RhaiError) return e.kind;
    throw e;
  }
}

/** Milliseconds `fn` takes. */
function elapsed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** A value nested `depth` levels deep: `[[[...]]]`, or maps `#{n: #{n: ...}}`. */
function nested(depth: number, kind: 'array' | 'map'): Value {
  let v: Value = kind === 'array' ? [] : new Map();
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : new Map([['n', v]]);
  return v;
}

/** An engine with host functions that hand deeply nested values to scripts. */
function deepEngine(options?: EngineOptions): Engine {
  const engine = new Engine(options);
  engine.registerFn('deep', ['int'], (_ctx, [n]) => nested(n as number, 'array'));
  engine.registerFn('deep_map', ['int'], (_ctx, [n]) => nested(n as number, 'map'));
  return engine;
}

const DEPTH = 100_000;

describe('hard caps hold with unlimited limits', () => {
  const h = new Harness();

  it('string pad: past V8 string length -> ErrorDataTooLarge before building', () => {
    expect(run('let s = "x"; s.pad(10000000000, "a");')).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('pad', 'x', HARD_LIMITS.stringLength + 1, 'a'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('pad', 'x', HARD_LIMITS.stringLength + 1, ch('a')))).toBe(
      'ErrorDataTooLarge',
    );
    // Two units per character: the cap is on UTF-16 units, checked from the computed size.
    expect(kindOf(() => h.mutate('pad', '', 2 ** 28 + 10, '😀'))).toBe('ErrorDataTooLarge');
  });

  it('array pad: past the hard cap -> ErrorDataTooLarge; up to it works', () => {
    expect(run('[].pad(10000000000, 0)')).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('pad', [], HARD_LIMITS.arraySize + 1, 0))).toBe('ErrorDataTooLarge');
    expect(run('let a = [1]; a.pad(1000000, 0); a.len()')).toBe(1_000_000);
  });

  it('array pad with a container item counts the copies before making them', () => {
    expect(run('let a = []; a.pad(10000000, [1, 2, 3]); a.len()')).toBe('ErrorDataTooLarge');
    expect(run('let a = []; a.pad(1000, [1, [2, 3]]); a[999][1][1]')).toBe(3);
    const limits = { maxArraySize: 1000 };
    expect(run('let a = []; a.pad(400, [1, 2, 3]); a.len()', { limits })).toBe('ErrorDataTooLarge');
    expect(run('let a = []; a.pad(10, #{a: 1, b: 2}); a.len()', { limits: { maxMapSize: 5 } })).toBe(
      'ErrorDataTooLarge',
    );
  });

  it('BLOBs: past the hard cap -> ErrorDataTooLarge before allocating', () => {
    expect(kindOf(() => h.call('blob', HARD_LIMITS.blobSize + 1))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('blob', 10_000_000_000, 1))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('pad', new RBlob(), HARD_LIMITS.blobSize + 1, 1))).toBe('ErrorDataTooLarge');
    expect(run('blob(10000000000)')).toBe('ErrorDataTooLarge');
  });

  it('BLOB to_array past the array cap -> ErrorDataTooLarge before building the array', () => {
    expect(kindOf(() => h.call('to_array', new RBlob(HARD_LIMITS.arraySize + 1)))).toBe('ErrorDataTooLarge');
    expect(run('blob(5).to_array()')).toEqual([0, 0, 0, 0, 0]);
  });

  it('strings to BLOBs: the byte count is checked before encoding', () => {
    const big = 'a'.repeat(HARD_LIMITS.blobSize + 1);
    expect(kindOf(() => h.call('to_blob', big))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('append', new RBlob(), big))).toBe('ErrorDataTooLarge');
    // Three bytes per character: fewer characters than the limit, more bytes.
    const small = new Harness({ limits: { maxArraySize: 10 } });
    expect(kindOf(() => small.call('to_blob', '€€€€'))).toBe('ErrorDataTooLarge');
    expect(small.call('to_blob', '€€€')).toBeInstanceOf(RBlob);
  });

  it('characters of a huge string: the count is checked before the array is built', () => {
    const big = 'ab'.repeat(HARD_LIMITS.arraySize / 2 + 1);
    expect(kindOf(() => h.call('to_chars', big))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('chars', big))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('split', big, ''))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('replace', big, '', 'x'.repeat(40)))).toBe('ErrorDataTooLarge');
  });
});

describe('size limits are checked before building', () => {
  it('split stops at the array limit without splitting everything', () => {
    const h = new Harness({ limits: { maxArraySize: 1000 } });
    const s = ','.repeat(5_000_000);
    let kind: string | undefined;
    const ms = elapsed(() => {
      kind = kindOf(() => h.call('split', s, ','));
    });
    expect(kind).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('split', s, ',', 5_000_000))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('split_rev', s, ','))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('split', ' a'.repeat(2000)))).toBe('ErrorDataTooLarge');
    expect(h.call('split', ' a'.repeat(1000))).toHaveLength(1000);
    expect(ms).toBeLessThan(1000);
  });

  it('to_string / to_debug / to_json stop as soon as the text exceeds maxStringSize', () => {
    const h = new Harness({ limits: { maxStringSize: 1000 } });
    const big: Value[] = new Array(1_000_000).fill(123456);
    for (const fn of ['to_string', 'to_debug', 'to_json']) {
      h.operations = 0;
      expect(kindOf(() => h.call(fn, big))).toBe('ErrorDataTooLarge');
      // Refused after about 2000 units of text, not after formatting a million elements.
      expect(h.operations).toBeLessThan(1000);
    }
    expect(kindOf(() => h.call('to_debug', 'x'.repeat(999)))).toBe('ErrorDataTooLarge');
    expect(h.call('to_debug', 'x'.repeat(998))).toHaveLength(1000);
  });

  it('replace and append refuse a result over maxStringSize', () => {
    const h = new Harness({ limits: { maxStringSize: 100 } });
    expect(kindOf(() => h.mutate('replace', 'a'.repeat(60), 'a', 'bb'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('replace', 'a'.repeat(10_000), 'a', 'bb'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.mutate('append', 'x', new Array(100).fill(1)))).toBe('ErrorDataTooLarge');
    expect(h.mutate('append', 'x', [1, 2])).toBe('x[1, 2]');
  });
});

describe('long native calls can be stopped', () => {
  /**
   * Run `setup`, then arm `onProgress` (through a host function) so that its second call after
   * `call` starts cancels the run: only a native that charges operations while it works is
   * stopped inside the call.
   */
  function stoppedInside(setup: string, call: string): unknown {
    let armed = false;
    let calls = 0;
    const engine = new Engine({
      onProgress: () => {
        if (armed) calls++;
        return calls >= 2;
      },
    });
    engine.registerFn('arm', [], () => {
      armed = true;
      return undefined;
    });
    try {
      engine.eval(`${setup}; arm(); ${call}; "finished"`);
    } catch (e) {
      if (e instanceof RhaiError) return e.kind;
      throw e;
    }
    return 'finished';
  }

  const A = 'let a = []; a.pad(1000000, 7)';
  const R = 'let a = []; for i in 0..300000 { a.push((i * 7919) % 300007) }';
  const S = 'let s = ""; s.pad(4000000, "ab,\\n")';
  it.each([
    ['array pad', 'let a = []', 'a.pad(2000000, 0)'],
    ['to_json', A, 'a.to_json()'],
    ['to_string', A, 'a.to_string()'],
    ['to_debug of a string full of escapes', S, 's.to_debug()'],
    ['sort', R, 'a.sort()'],
    ['order', R, 'a.order()'],
    ['extract', A, 'a.extract(0)'],
    ['append', A, 'a.append(a)'],
    ['index_of', A, 'a.index_of(8)'],
    ['replace', S, 's.replace("a", "xy")'],
    ['remove', S, 's.remove(",")'],
    ['to_chars', S, 's.to_chars()'],
    ['chars', S, 's.chars()'],
    ['parse_json', `${A}; let j = a.to_json()`, 'parse_json(j)'],
    ['BLOB to_string', 'let b = blob(1000000, 1)', 'b.to_string()'],
    ['BLOB to_array', 'let b = blob(1000000, 1)', 'b.to_array()'],
  ])('%s', (_name, setup, call) => {
    expect(stoppedInside(setup, call)).toBe('ErrorTerminated');
  });

  it('big pads and replacements charge operations (maxOperations stops them)', () => {
    const limits = { maxOperations: 5000 };
    expect(run('let s = ""; s.pad(1000000, "a");', { limits })).toBe('ErrorTooManyOperations');
    expect(run('let a = []; a.pad(100000, 0);', { limits })).toBe('ErrorTooManyOperations');
    expect(run('let b = blob(1000000);', { limits })).toBe('ErrorTooManyOperations');
  });

  it('a stopped array pad leaves the array as it was', () => {
    const h = new Harness({ limits: { maxOperations: 100_000 } });
    const a: Value[] = [1, 2];
    expect(kindOf(() => h.call('pad', a, 1_000_000, 0))).toBe('ErrorTooManyOperations');
    expect(a).toEqual([1, 2]);
  });

  it('a long pad is fast and bounded by the deadline', () => {
    const start = Date.now();
    const r = run('let s = ""; s.pad(20000000, "a"); s.len()', undefined, { deadline: start + 5000 });
    expect(r).toBe(20_000_000);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe('deeply nested values never overflow the JS stack', () => {
  it.each([
    ['to_string', `deep(${DEPTH}).to_string().len()`, 2 * DEPTH + 2],
    ['to_debug', `deep(${DEPTH}).to_debug().len()`, 2 * DEPTH + 2],
    ['to_json', `deep(${DEPTH}).to_json().len()`, 2 * DEPTH + 2],
    ['to_json of maps', `deep_map(${DEPTH}).to_json().len()`, 6 * DEPTH + 2],
    ['to_string of maps', `deep_map(${DEPTH}).to_string().len()`, 8 * DEPTH + 3],
    ['contains', `[deep(${DEPTH})].contains(deep(${DEPTH}))`, true],
    ['index_of (not equal)', `[deep(${DEPTH})].index_of(deep(${DEPTH - 1}))`, -1],
    ['get copies', `let a = [deep(${DEPTH})]; a.get(0).len()`, 1],
    ['push copies', `let a = []; a.push(deep(${DEPTH})); a.len()`, 1],
    ['map values', `let m = #{}; m.set("x", deep_map(${DEPTH})); m.values().len()`, 1],
    ['dedup', `let a = [deep(${DEPTH}), deep(${DEPTH})]; a.dedup(); a.len()`, 1],
    ['string append', `let s = ""; s.append(deep(${DEPTH})); s.len()`, 2 * DEPTH + 2],
  ])('%s', (_name, source, expected) => {
    expect(deepEngine().eval(source)).toEqual(expected);
  });

  it('copies are independent of the original at every level', () => {
    const h = new Harness();
    const original = nested(10, 'array') as Value[];
    const copy = h.call('get', [original], 0) as Value[];
    let inner = copy;
    for (let i = 0; i < 9; i++) inner = inner[0] as Value[];
    inner.push(1);
    let orig = original;
    for (let i = 0; i < 9; i++) orig = orig[0] as Value[];
    expect(orig).toEqual([[]]);
  });
});

describe('no quadratic regex backtracking on user text', () => {
  const SPACES = `${' '.repeat(100_000)}x`;
  it.each([
    ['trim', 'trim', SPACES, 'x'],
    ['trim_end', 'trim_end', `${SPACES} `, SPACES],
  ])('%s over a long inner whitespace run', (_name, fn, input, expected) => {
    const h = new Harness();
    let out: Value;
    expect(
      elapsed(() => {
        out = h.mutate(fn, input);
      }),
    ).toBeLessThan(500);
    expect(out).toBe(expected);
  });

  it('parse_float rejects a long non-number quickly', () => {
    const h = new Harness();
    let kind: string | undefined;
    expect(
      elapsed(() => {
        kind = kindOf(() => h.call('parse_float', `${'1'.repeat(100_000)}x`));
      }),
    ).toBeLessThan(500);
    expect(kind).toBe('ErrorArithmetic');
    expect(h.call('parse_float', '1.5e3')).toEqual(fl(1500));
    expect(h.call('parse_float', '-.5')).toBe(-0.5);
    expect(kindOf(() => h.call('parse_float', '1.2.3'))).toBe('ErrorArithmetic');
  });

  it('parse_int skips long runs of leading zeros', () => {
    const h = new Harness();
    let v: Value;
    expect(
      elapsed(() => {
        v = h.call('parse_int', `${'0'.repeat(5_000_000)}42`);
      }),
    ).toBeLessThan(1000);
    expect(v).toBe(42);
    expect(h.call('parse_int', '-000')).toBe(0);
    expect(kindOf(() => h.call('parse_int', `${'0'.repeat(1000)}x`))).toBe('ErrorArithmetic');
  });

  it('error messages quote at most the start of a huge input', () => {
    const h = new Harness();
    try {
      h.call('parse_int', 'z'.repeat(1_000_000));
    } catch (e) {
      expect((e as RhaiError).message.length).toBeLessThan(300);
    }
  });
});

describe('bulk rewrites give the same results', () => {
  const h = new Harness();

  it('replace in batches equals a plain split/join, overlapping patterns included', () => {
    const cases: [string, string, string][] = [
      ['a'.repeat(20_001), 'aa', 'b'],
      ['ab'.repeat(10_000), 'b', ''],
      [`${'x,'.repeat(9000)}end`, ',', ' ,, '],
      ['😀a'.repeat(5000), 'a', '😀'],
    ];
    for (const [s, find, sub] of cases) {
      expect(h.mutate('replace', s, find, sub)).toBe(s.split(find).join(sub));
    }
    expect(h.mutate('remove', 'ab'.repeat(10_000), 'a')).toBe('b'.repeat(10_000));
  });

  it('replace with an empty pattern inserts around every character, across windows', () => {
    const s = `${'a'.repeat(16_383)}😀${'b'.repeat(20_000)}`;
    expect(h.mutate('replace', s, '', '-')).toBe(`-${Array.from(s).join('-')}-`);
    expect(h.mutate('replace', 'a😀b', '', '')).toBe('a😀b');
  });

  it('split with an empty delimiter and a segment count', () => {
    expect(h.call('split', 'a😀b', '')).toEqual(['', 'a', '😀', 'b', '']);
    expect(h.call('split', 'a😀b', '', 3)).toEqual(['', 'a', '😀b']);
    expect(h.call('split', 'a😀b', '', 2)).toEqual(['', 'a😀b']);
    expect(h.call('split', 'a😀b', '', 99)).toEqual(['', 'a', '😀', 'b', '']);
    expect(h.call('split_rev', 'a😀b', '', 3)).toEqual(['', 'b', 'a😀']);
    expect(h.call('split_rev', 'a😀b', '')).toEqual(['', 'b', '😀', 'a', '']);
    expect(h.call('split', 'a,b,c', ',', 2)).toEqual(['a', 'b,c']);
    expect(h.call('split_rev', 'a,b,c', ',', 2)).toEqual(['c', 'a,b']);
  });

  it('pad with multi-character and astral padding, short and long', () => {
    expect(h.mutate('pad', 'a', 4, '😀b')).toBe('a😀b😀');
    expect(h.mutate('pad', '😀', 3, ch('x'))).toBe('😀xx');
    const long = h.mutate('pad', 'x', 100_001, 'abc') as string;
    expect(long).toBe(`x${'abc'.repeat(33_333)}a`);
    const astral = h.mutate('pad', '', 50_001, '😀é') as string;
    expect(astral).toBe(`${'😀é'.repeat(25_000)}😀`);
    expect(h.mutate('pad', 'abc', 2, 'x')).toBe('abc');
  });

  it('character access and slicing on text with surrogate pairs (no full split)', () => {
    const s = `${'😀'.repeat(1000)}xyz`;
    expect(h.call('get', s, 1000)).toEqual(ch('x'));
    expect(h.call('get', s, -1)).toEqual(ch('z'));
    expect(h.call('get', s, 5)).toEqual(ch('😀'));
    expect(h.mutate('set', s, 1001, ch('😀'))).toBe(`${'😀'.repeat(1000)}x😀z`);
    expect(h.call('sub_string', s, 999, 3)).toBe('😀xy');
    expect(h.mutate('crop', s, -2)).toBe('yz');
    expect(h.call('chars', s, 998, 3)).toEqual([ch('😀'), ch('😀'), ch('x')]);
    expect(h.call('to_chars', 'a😀')).toEqual([ch('a'), ch('😀')]);
    expect(h.call('to_chars', 'a\uD800b')).toEqual([ch('a'), RChar.of(0xd800), ch('b')]);
  });

  it('to_debug / to_string match the engine formatting for every kind of value', () => {
    const values: Value[] = [
      [
        1,
        2.5,
        'q"\n\t\\\u0001\u007f',
        ch("'"),
        undefined,
        true,
        new RBlob(Array.from({ length: 20 }, (_, i) => i * 13)),
      ],
      map({ b: [map({}), []], a: 'x', 'k"ey': 9007199254740993n }),
      'plain',
      ch('\n'),
    ];
    for (const v of values) {
      expect(h.call('to_debug', v)).toBe(debugString(v));
    }
    expect(h.call('to_string', values[0])).toBe(debugString(values[0]));
    expect(h.call('to_string', 'plain')).toBe('plain');
  });

  it('big values (written with the builder) read the same as small ones (written directly)', () => {
    const item: Value = map({
      z: [1, 2.5, fl(3), -0.0001, 'q"\n\u0001', ch('c'), undefined, true, new RBlob([1, 255, 16])],
      a: map({ nested: [map({}), []], big: 9007199254740993n }),
    });
    const many: Value[] = new Array(100).fill(item);
    const one = h.call('to_json', item) as string;
    expect(h.call('to_json', many)).toBe(`[${new Array(100).fill(one).join(',')}]`);
    const dbg = h.call('to_debug', item) as string;
    expect(h.call('to_debug', many)).toBe(`[${new Array(100).fill(dbg).join(', ')}]`);
    expect(h.call('to_string', many)).toBe(`[${new Array(100).fill(dbg).join(', ')}]`);
    expect(h.call('to_debug', many)).toBe(debugString(many));
  });

  it('to_json escapes in bulk and writes BLOBs as byte arrays', () => {
    expect(h.call('to_json', `a"\\\n\u0001${'x'.repeat(70_000)}\t`)).toBe(
      JSON.stringify(`a"\\\n\u0001${'x'.repeat(70_000)}\t`),
    );
    expect(h.call('to_json', new RBlob(Array.from({ length: 100 }, (_, i) => i)))).toBe(
      JSON.stringify(Array.from({ length: 100 }, (_, i) => i)),
    );
    expect(h.call('to_json', [0.1, 1e-7, 123.456, -2.5, fl(1e21), fl(3)])).toBe(
      '[0.1,1e-7,123.456,-2.5,1e21,3.0]',
    );
  });

  it('parse_json strings with many escapes', () => {
    const s = '\\n\\"'.repeat(20_000);
    expect(h.call('parse_json', `"${s}"`)).toBe('\n"'.repeat(20_000));
  });

  it('write_utf8 / write_ascii encode only what fits', () => {
    const b = new RBlob(4);
    h.call('write_utf8', b, 0, 4, `é${'x'.repeat(1_000_000)}`);
    expect(Array.from(b.view())).toEqual([0xc3, 0xa9, 0x78, 0x78]);
    const c = new RBlob(3);
    h.call('write_utf8', c, 0, 3, 'a😀');
    expect(Array.from(c.view())).toEqual([0x61, 0xf0, 0x9f]);
    const d = new RBlob(3);
    h.call('write_ascii', d, 0, 3, `é${'ab'.repeat(1_000_000)}`);
    expect(Array.from(d.view())).toEqual([0x61, 0x62, 0x61]);
  });

  it('splice and append with large arrays (no spread into call arguments)', () => {
    const big: Value[] = new Array(300_000).fill(1);
    const a: Value[] = [0, 9];
    h.call('splice', a, 1, 0, big);
    expect(a.length).toBe(300_002);
    expect(a[0]).toBe(0);
    expect(a[300_001]).toBe(9);
    const self: Value[] = [1, 2];
    h.call('append', self, self);
    expect(self).toEqual([1, 2, 1, 2]);
    const s2: Value[] = [1, 2, 3];
    h.call('splice', s2, 1, 1, s2);
    expect(s2).toEqual([1, 1, 2, 3, 3]);
  });

  it('array pad keeps values and copies containers', () => {
    const a: Value[] = [1];
    h.call('pad', a, 100, 'x');
    expect(a.length).toBe(100);
    expect(a[99]).toBe('x');
    const item: Value[] = [1];
    const b: Value[] = [];
    h.call('pad', b, 3, item);
    (b[0] as Value[]).push(2);
    expect(b).toEqual([[1, 2], [1], [1]]);
    expect(item).toEqual([1]);
    const self: Value[] = [1];
    h.call('pad', self, 4, self);
    expect(self).toEqual([1, [1], [1], [1]]);
  });
});

describe('through the engine, with and without limits', () => {
  const LIMITS = {
    limits: { maxStringSize: 1000, maxArraySize: 1000, maxMapSize: 100, maxOperations: 100_000 },
  };
  it.each([
    ['string pad', 'let s = ""; s.pad(1001, "ab"); s.len()', 1001],
    ['array pad', 'let a = []; a.pad(1001, 0); a.len()', 1001],
    ['replace', 'let s = ""; s.pad(600, "a"); s.replace("a", "bb"); s.len()', 1200],
    ['split', 'let s = ""; s.pad(2002, "a,"); s.split(",").len()', 1002],
    ['to_json', 'let a = []; a.pad(400, 100); a.to_json().len()', 1601],
    ['blob', 'blob(1001).len()', 1001],
  ])('%s: fine without limits, refused with them', (_name, source, expected) => {
    expect(run(source)).toBe(expected);
    expect(run(source, LIMITS)).toBe('ErrorDataTooLarge');
  });
});
