import { describe, expect, it } from 'vitest';
import { floatValue, RTimestamp } from '../../../server/rhai/runtime/value.js';
import { fl, Harness, kindOf } from './harness.js';

const h = new Harness();

describe('time', () => {
  it('timestamp and elapsed', () => {
    const t = h.call('timestamp') as RTimestamp;
    expect(t).toBeInstanceOf(RTimestamp);
    const e = floatValue(h.call('elapsed', t));
    expect(e).toBeGreaterThanOrEqual(0);
    expect(e).toBeLessThan(5);
    expect(floatValue(h.call('get$elapsed', new RTimestamp(t.ms - 2000)))).toBeGreaterThanOrEqual(2);
    expect(kindOf(() => h.call('elapsed', new RTimestamp(t.ms + 60_000)))).toBe('ErrorArithmetic');
  });
  it('arithmetic in seconds', () => {
    const t = new RTimestamp(1_000_000);
    expect((h.call('+', t, 5) as RTimestamp).ms).toBe(1_005_000);
    expect((h.call('-', t, 1.5) as RTimestamp).ms).toBe(998_500);
    expect((h.call('+', t, -1) as RTimestamp).ms).toBe(999_000);
    expect(floatValue(h.call('-', new RTimestamp(4000), new RTimestamp(1500)))).toBe(2.5);
    expect(floatValue(h.call('-', new RTimestamp(1000), new RTimestamp(3000)))).toBe(-2);
    expect((h.mutate('+=', t, 2) as RTimestamp).ms).toBe(1_002_000);
    expect((h.mutate('-=', t, fl(2)) as RTimestamp).ms).toBe(998_000);
    expect(kindOf(() => h.call('+', t, Number.NaN))).toBe('ErrorArithmetic');
  });
  it('comparisons', () => {
    const a = new RTimestamp(1);
    const b = new RTimestamp(2);
    expect(h.call('<', a, b)).toBe(true);
    expect(h.call('>=', a, b)).toBe(false);
    expect(h.call('==', a, new RTimestamp(1))).toBe(true);
    expect(h.call('!=', a, b)).toBe(true);
  });
  it('sleep returns at once (it never blocks the host)', () => {
    const start = Date.now();
    expect(h.call('sleep', 10)).toBeUndefined();
    expect(h.call('sleep', 2.5)).toBeUndefined();
    expect(Date.now() - start).toBeLessThan(1000);
  });
});
