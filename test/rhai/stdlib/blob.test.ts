import { describe, expect, it } from 'vitest';
import { RBlob, RFloat, type Value } from '../../../server/rhai/runtime/value.js';
import { blob, ch, fl, Harness, kindOf, range } from './harness.js';

const h = new Harness();
const bytes = (b: Value) => Array.from((b as RBlob).view());
const five = () => blob(1, 2, 3, 4, 5);

describe('blob: construction and conversion', () => {
  it('blob(), blob(n), blob(n, v)', () => {
    expect(bytes(h.call('blob'))).toEqual([]);
    expect(bytes(h.call('blob', 3))).toEqual([0, 0, 0]);
    expect(bytes(h.call('blob', 3, 0x142))).toEqual([0x42, 0x42, 0x42]);
    expect(bytes(h.call('blob', -1, 1))).toEqual([]);
  });
  it('to_array, as_string, len, is_empty, contains', () => {
    expect(h.call('to_array', blob(66, 67))).toEqual([66, 67]);
    expect(h.call('as_string', blob(0x68, 0x69))).toBe('hi');
    expect(h.call('as_string', blob(0xff))).toBe('\ufffd');
    expect(h.call('len', five())).toBe(5);
    expect(h.call('get$len', five())).toBe(5);
    expect(h.call('get$is_empty', blob())).toBe(true);
    expect(h.call('contains', five(), 3)).toBe(true);
    expect(h.call('contains', five(), 0x103)).toBe(true);
    expect(h.call('contains', five(), 9)).toBe(false);
  });
  it('limits', () => {
    const small = new Harness({ limits: { maxArraySize: 4 } });
    expect(kindOf(() => small.call('blob', 5))).toBe('ErrorDataTooLarge');
    const b = blob(1, 2, 3, 4);
    expect(kindOf(() => small.call('push', b, 5))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.call('append', b, 'x'))).toBe('ErrorDataTooLarge');
    expect(bytes(b)).toEqual([1, 2, 3, 4]);
  });
});

describe('blob: access and editing', () => {
  it('get and set', () => {
    const b = five();
    expect(h.call('get', b, 0)).toBe(1);
    expect(h.call('get', b, -1)).toBe(5);
    expect(h.call('get', b, 99)).toBe(0);
    h.call('set', b, 0, 0x42);
    h.call('set', b, -3, 0);
    h.call('set', b, 99, 123);
    expect(bytes(b)).toEqual([0x42, 2, 0, 4, 5]);
  });
  it('push, append, insert, pad', () => {
    const b = blob();
    h.call('push', b, 0x142);
    h.call('append', b, blob(1, 2));
    h.call('append', b, 'é');
    h.call('append', b, ch('!'));
    h.call('append', b, 7);
    expect(bytes(b)).toEqual([0x42, 1, 2, 0xc3, 0xa9, 0x21, 7]);
    const c = blob(0x42, 0x42, 0x42, 0x42, 0x42);
    h.call('insert', c, 2, 0x18);
    h.call('insert', c, -99, 1);
    h.call('insert', c, 99, 2);
    expect(bytes(c)).toEqual([1, 0x42, 0x42, 0x18, 0x42, 0x42, 0x42, 2]);
    const d = blob(0x42, 0x42, 0x42);
    h.call('pad', d, 5, 0x18);
    h.call('pad', d, 3, 0xab);
    expect(bytes(d)).toEqual([0x42, 0x42, 0x42, 0x18, 0x18]);
  });
  it('pop, shift, remove, clear, truncate, chop, reverse, split', () => {
    const b = five();
    expect(h.call('pop', b)).toBe(5);
    expect(h.call('shift', b)).toBe(1);
    expect(bytes(b)).toEqual([2, 3, 4]);
    expect(h.call('pop', blob())).toBe(0);
    expect(h.call('shift', blob())).toBe(0);
    const c = five();
    expect(h.call('remove', c, 1)).toBe(2);
    expect(h.call('remove', c, -2)).toBe(4);
    expect(h.call('remove', c, 9)).toBe(0);
    expect(bytes(c)).toEqual([1, 3, 5]);
    const d = five();
    h.call('truncate', d, 3);
    expect(bytes(d)).toEqual([1, 2, 3]);
    const e = five();
    h.call('chop', e, 3);
    h.call('chop', e, 10);
    expect(bytes(e)).toEqual([3, 4, 5]);
    h.call('reverse', e);
    expect(bytes(e)).toEqual([5, 4, 3]);
    h.call('clear', e);
    expect(bytes(e)).toEqual([]);
    const f = five();
    expect(bytes(h.call('split', f, 2))).toEqual([3, 4, 5]);
    expect(bytes(f)).toEqual([1, 2]);
  });
  it('extract, drain, retain, splice', () => {
    const b = five();
    expect(bytes(h.call('extract', b, range(1, 3)))).toEqual([2, 3]);
    expect(bytes(h.call('extract', b, range(1, 3, true)))).toEqual([2, 3, 4]);
    expect(bytes(h.call('extract', b, 2))).toEqual([3, 4, 5]);
    expect(bytes(h.call('extract', b, -3, 2))).toEqual([3, 4]);
    const d = five();
    expect(bytes(h.call('drain', d, range(1, 3)))).toEqual([2, 3]);
    expect(bytes(h.call('drain', d, 2, 1))).toEqual([5]);
    expect(bytes(d)).toEqual([1, 4]);
    const r = five();
    expect(bytes(h.call('retain', r, range(1, 4)))).toEqual([1, 5]);
    expect(bytes(h.call('retain', r, 1, 2))).toEqual([2]);
    expect(bytes(r)).toEqual([3, 4]);
    const s = new RBlob(new Array(10).fill(0x42));
    h.call('splice', s, 1, 3, new RBlob(new Array(5).fill(0x18)));
    expect(bytes(s)).toEqual([0x42, 0x18, 0x18, 0x18, 0x18, 0x18, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]);
    const t = new RBlob(new Array(10).fill(0x42));
    h.call('splice', t, range(1, 4, true), new RBlob(new Array(5).fill(0x18)));
    expect(bytes(t)).toEqual([0x42, 0x18, 0x18, 0x18, 0x18, 0x18, 0x42, 0x42, 0x42, 0x42, 0x42]);
  });
});

describe('blob: binary encoding', () => {
  it('parse_le_int / parse_be_int pad short spans with zeros', () => {
    const b = five();
    expect(h.call('parse_le_int', b, range(1, 3))).toBe(0x0302);
    expect(h.call('parse_le_int', b, range(1, 3, true))).toBe(0x040302);
    expect(h.call('parse_le_int', b, 1, 2)).toBe(0x0302);
    expect(h.call('parse_be_int', b, 1, 2)).toBe(0x0203000000000000n);
    expect(h.call('parse_le_int', b, 9, 2)).toBe(0);
    expect(h.call('parse_le_int', blob(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0, 8)).toBe(-1);
  });
  it('write_le / write_be for INT', () => {
    const b = new RBlob(8);
    h.call('write_le', b, range(1, 3), 0x12345678);
    expect(bytes(b)).toEqual([0, 0x78, 0x56, 0, 0, 0, 0, 0]);
    const c = new RBlob(8);
    h.call('write_le', c, 1, 3, 0x12345678);
    expect(bytes(c)).toEqual([0, 0x78, 0x56, 0x34, 0, 0, 0, 0]);
    const d = new RBlob(new Array(8).fill(0x42));
    h.call('write_be', d, range(1, 3, true), 0x99);
    expect(bytes(d)).toEqual([0x42, 0, 0, 0, 0x42, 0x42, 0x42, 0x42]);
  });
  it('FLOAT round trip', () => {
    const b = new RBlob(8);
    h.call('write_le', b, 0, 8, 1.5);
    expect(h.call('parse_le_float', b, 0, 8)).toBe(1.5);
    h.call('write_be', b, range(0, 8), fl(2));
    expect(h.call('parse_be_float', b, range(0, 8, true))).toEqual(new RFloat(2));
    expect(h.call('parse_le_float', blob(), 0, 8)).toEqual(new RFloat(0));
  });
  it('write_utf8 and write_ascii', () => {
    const b = new RBlob(8);
    h.call('write_utf8', b, range(1, 5), '朝には紅顔ありて夕べには白骨となる');
    expect(bytes(b)).toEqual([0, 0xe6, 0x9c, 0x9d, 0xe3, 0, 0, 0]);
    const c = new RBlob(8);
    h.call('write_ascii', c, range(1, 5), 'hello, world!');
    expect(bytes(c)).toEqual([0, 0x68, 0x65, 0x6c, 0x6c, 0, 0, 0]);
    const d = new RBlob(8);
    h.call('write_ascii', d, 1, 5, 'héllo');
    expect(bytes(d)).toEqual([0, 0x68, 0x6c, 0x6c, 0x6f, 0, 0, 0]);
  });
});
