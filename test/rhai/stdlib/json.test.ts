import { describe, expect, it } from 'vitest';
import { FnPtr, RFloat, type Value } from '../../../server/rhai/runtime/value.js';
import { jsonFloat } from '../../../server/rhai/stdlib/json.js';
import { blob, ch, fl, Harness, kindOf, map } from './harness.js';

const h = new Harness();

describe('json: parse_json', () => {
  it('objects, arrays, numbers, strings, literals', () => {
    const v = h.call(
      'parse_json',
      '{"a":1, "b": true, "c": 123.0, "$d e f!": "hello", "^^^!!!": [1,42,"999"], "z": null}',
    );
    expect(v).toEqual(
      map({ a: 1, b: true, c: new RFloat(123), '$d e f!': 'hello', '^^^!!!': [1, 42, '999'], z: undefined }),
    );
    expect(h.call('parse_json', '[1, -2.5, 1e2, 0]')).toEqual([1, -2.5, new RFloat(100), 0]);
    expect(h.call('parse_json', '"a\\u00e9\\n\\"\\ud83d\\ude00"')).toBe('aé\n"😀');
    expect(h.call('parse_json', ' 42 ')).toBe(42);
    expect(h.call('parse_json', '9223372036854775807')).toBe(9223372036854775807n);
    expect(h.call('parse_json', '9223372036854775808')).toEqual(new RFloat(2 ** 63));
    expect(h.call('parse_json', '{"__proto__": 1}')).toEqual(new Map([['__proto__', 1]]));
    expect(h.call('parse_json', '{"a":1,"a":2}')).toEqual(map({ a: 2 }));
  });
  it('syntax errors are runtime errors', () => {
    for (const bad of ['', '{', '{"a":}', '[1,]', 'tru', '01', '"\u0001"', '{"a":1} x', "{'a':1}", '-']) {
      expect(kindOf(() => h.call('parse_json', bad))).toBe('ErrorRuntime');
    }
  });
  it('limits: size, nesting', () => {
    const small = new Harness({ limits: { maxArraySize: 2, maxMapSize: 1, maxStringSize: 3 } });
    expect(kindOf(() => small.call('parse_json', '[1,2,3]'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('parse_json', '{"a":1,"b":2}'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('parse_json', '"abcd"'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => h.call('parse_json', `${'['.repeat(10000)}${']'.repeat(10000)}`))).toBe(
      'ErrorRuntime',
    );
  });
});

describe('json: to_json', () => {
  it('maps in key order, compact', () => {
    expect(h.call('to_json', map({ c: 3, a: 1, b: 2 }))).toBe('{"a":1,"b":2,"c":3}');
  });
  it('every value type', () => {
    const v: Value = map({
      f: fl(1),
      g: 0.5,
      n: undefined,
      s: 'q"\n\u0001',
      c: ch('x'),
      a: [true, false],
      b: blob(1, 2),
      p: new FnPtr('foo'),
      inf: Number.POSITIVE_INFINITY,
      big: 2n ** 60n,
    });
    expect(h.call('to_json', v)).toBe(
      '{"a":[true,false],"b":[1,2],"big":1152921504606846976,"c":"x","f":1.0,"g":0.5,"inf":null,"n":null,"p":"foo","s":"q\\"\\n\\u0001"}',
    );
    expect(h.call('to_json', [1, 'x'])).toBe('[1,"x"]');
    expect(h.call('to_json', undefined)).toBe('null');
  });
  it('FLOAT formatting follows serde_json', () => {
    expect(jsonFloat(1)).toBe('1.0');
    expect(jsonFloat(-0)).toBe('-0.0');
    expect(jsonFloat(0.1)).toBe('0.1');
    expect(jsonFloat(123.456)).toBe('123.456');
    expect(jsonFloat(1e15)).toBe('1000000000000000.0');
    expect(jsonFloat(1e16)).toBe('1e16');
    expect(jsonFloat(1.5e300)).toBe('1.5e300');
    expect(jsonFloat(0.0001)).toBe('0.0001');
    expect(jsonFloat(0.00001)).toBe('0.00001');
    expect(jsonFloat(1.5e-7)).toBe('1.5e-7');
    expect(jsonFloat(-2.5e-10)).toBe('-2.5e-10');
  });
  it('round trip', () => {
    const text = '{"a":[1,2.5,"x",null,{"b":false}],"c":-7}';
    expect(h.call('to_json', h.call('parse_json', text))).toBe(text);
  });
});
