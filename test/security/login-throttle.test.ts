/**
 * AttemptThrottle, the growing back-off behind sign-in and set-up codes, driven by a fake clock: a few
 * free failures, then waits that double up to a ceiling, per key and the longest over the keys asked
 * about; a success forgets; idle failures are forgotten; and no timer ever keeps the process awake.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AttemptThrottle,
  LOGIN_THROTTLE,
  type ThrottleOptions,
} from '../../server/security/login-throttle.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A throttle on a clock the test moves by hand. */
function throttled(options: ThrottleOptions = LOGIN_THROTTLE) {
  const clock = { now: 1_700_000_000_000 };
  const throttle = new AttemptThrottle(options, () => clock.now);
  return {
    throttle,
    clock,
    advance(ms: number) {
      clock.now += ms;
    },
    /** Records `times` failures against `keys`, the clock standing still. */
    fail(keys: string[], times = 1) {
      for (let i = 0; i < times; i++) throttle.fail(keys);
    },
  };
}

const IP = ['login-ip:192.168.1.20'];
const USER = ['login-user:owner'];

describe('AttemptThrottle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has login defaults of 5 free failures, then 1 s doubling up to 15 minutes, forgotten after a day', () => {
    expect(LOGIN_THROTTLE).toEqual({
      freeAttempts: 5,
      baseDelayMs: SECOND,
      maxDelayMs: 15 * MINUTE,
      forgetAfterMs: 24 * HOUR,
    });
  });

  it('lets the free failures through without any wait', () => {
    const { throttle, fail } = throttled();
    expect(throttle.waitMs(IP)).toBe(0);
    for (let i = 1; i <= LOGIN_THROTTLE.freeAttempts; i++) {
      fail(IP);
      expect(throttle.waitMs(IP), `after failure ${i}`).toBe(0);
    }
  });

  it('then waits 1 s, 2 s, 4 s … doubling up to the 15-minute ceiling', () => {
    const { throttle, fail } = throttled();
    fail(IP, LOGIN_THROTTLE.freeAttempts);
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      fail(IP);
      waits.push(throttle.waitMs(IP));
    }
    expect(waits).toEqual(
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900].map((seconds) => seconds * SECOND),
    );
  });

  it('stays at the ceiling however many failures pile up (no overflow)', () => {
    const { throttle, fail } = throttled();
    fail(IP, 200);
    expect(throttle.waitMs(IP)).toBe(15 * MINUTE);
  });

  it('counts the wait down as the clock moves, down to 0', () => {
    const { throttle, fail, advance } = throttled();
    fail(IP, LOGIN_THROTTLE.freeAttempts + 3); // the 8th failure: 4 s
    expect(throttle.waitMs(IP)).toBe(4 * SECOND);
    advance(1_500);
    expect(throttle.waitMs(IP)).toBe(2_500);
    advance(2_500);
    expect(throttle.waitMs(IP)).toBe(0);
    advance(10 * SECOND);
    expect(throttle.waitMs(IP)).toBe(0);
  });

  it('keeps counting after a wait has passed: the next failure waits twice as long', () => {
    const { throttle, fail, advance } = throttled();
    fail(IP, LOGIN_THROTTLE.freeAttempts + 1);
    expect(throttle.waitMs(IP)).toBe(SECOND);
    advance(SECOND);
    expect(throttle.waitMs(IP)).toBe(0);
    fail(IP);
    expect(throttle.waitMs(IP)).toBe(2 * SECOND);
  });

  it('keeps one count per key', () => {
    const { throttle, fail } = throttled();
    fail(IP, LOGIN_THROTTLE.freeAttempts + 2);
    expect(throttle.waitMs(IP)).toBe(2 * SECOND);
    expect(throttle.waitMs(USER)).toBe(0);
    expect(throttle.waitMs(['login-ip:192.168.1.21'])).toBe(0);
    expect(throttle.waitMs([])).toBe(0);
  });

  it('records a failure against every key, and answers the longest wait over the keys asked about', () => {
    const { throttle, fail } = throttled();
    // The address also guessed other names; the account was also guessed from elsewhere.
    fail(IP, 6); // 1 s
    fail([...IP, ...USER], 2); // address: failures 7–8 → 4 s; account: failures 1–2 → free
    expect(throttle.waitMs(IP)).toBe(4 * SECOND);
    expect(throttle.waitMs(USER)).toBe(0);
    expect(throttle.waitMs([...IP, ...USER])).toBe(4 * SECOND);
    fail(USER, 8); // account: failures 3–10 → the 10th waits 16 s
    expect(throttle.waitMs(USER)).toBe(16 * SECOND);
    expect(throttle.waitMs([...IP, ...USER])).toBe(16 * SECOND);
    expect(throttle.waitMs([...USER, ...IP])).toBe(16 * SECOND);
    // A fresh address guessing the same account still waits: one name from many addresses does not escape.
    expect(throttle.waitMs(['login-ip:10.0.0.99', ...USER])).toBe(16 * SECOND);
  });

  it('forgets the keys of a success, and only those', () => {
    const { throttle, fail } = throttled();
    fail([...IP, ...USER], 7);
    expect(throttle.waitMs(USER)).toBe(2 * SECOND);
    throttle.succeed(USER);
    expect(throttle.waitMs(USER)).toBe(0);
    expect(throttle.waitMs(IP)).toBe(2 * SECOND);
    // Counting starts again from zero: the free failures are free again.
    fail(USER, LOGIN_THROTTLE.freeAttempts);
    expect(throttle.waitMs(USER)).toBe(0);
    fail(USER);
    expect(throttle.waitMs(USER)).toBe(SECOND);
    throttle.succeed([...IP, ...USER, 'never-seen']);
    expect(throttle.waitMs([...IP, ...USER])).toBe(0);
  });

  it('forgets failures after forgetAfterMs without one', () => {
    const { throttle, fail, advance } = throttled();
    fail(IP, 20);
    expect(throttle.waitMs(IP)).toBe(15 * MINUTE);
    advance(LOGIN_THROTTLE.forgetAfterMs - MINUTE);
    // Still remembered: the wait is over, but the count is not forgotten yet.
    expect(throttle.waitMs(IP)).toBe(0);
    fail(IP);
    expect(throttle.waitMs(IP)).toBe(15 * MINUTE);
    advance(LOGIN_THROTTLE.forgetAfterMs + 1);
    expect(throttle.waitMs(IP)).toBe(0);
    // Forgotten: the next failures are free again.
    fail(IP, LOGIN_THROTTLE.freeAttempts);
    expect(throttle.waitMs(IP)).toBe(0);
    fail(IP);
    expect(throttle.waitMs(IP)).toBe(SECOND);
  });

  it('follows its options', () => {
    const options = { freeAttempts: 0, baseDelayMs: 100, maxDelayMs: 1_000, forgetAfterMs: 10_000 };
    const { throttle, fail, advance } = throttled(options);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      fail(IP);
      waits.push(throttle.waitMs(IP));
    }
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    advance(1_000);
    expect(throttle.waitMs(IP)).toBe(0);
  });

  it('forgets after its own forgetAfterMs, counted from the last failure', () => {
    const options = { freeAttempts: 0, baseDelayMs: 100, maxDelayMs: 1_000, forgetAfterMs: 10_000 };
    const { throttle, fail, advance } = throttled(options);
    fail(IP, 3);
    advance(9_999);
    fail(IP); // the 4th failure: still counted, and the 10 s start again
    expect(throttle.waitMs(IP)).toBe(800);
    advance(10_001);
    fail(IP); // forgotten: counted as the first again
    expect(throttle.waitMs(IP)).toBe(100);
  });

  it('creates no timer, whatever it is asked (it must not keep the process alive)', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    expect(vi.getTimerCount()).toBe(0);
    // The default clock (Date.now, faked here) and the default options.
    const throttle = new AttemptThrottle();
    const keys = Array.from({ length: 50 }, (_, i) => `login-ip:10.0.0.${i}`);
    for (let i = 0; i < 10; i++) throttle.fail(keys);
    expect(throttle.waitMs(keys)).toBe(16 * SECOND);
    expect(vi.getTimerCount()).toBe(0);
    // Expiry happens on reading, not by a timer firing.
    vi.advanceTimersByTime(LOGIN_THROTTLE.forgetAfterMs + 1);
    expect(vi.getTimerCount()).toBe(0);
    expect(throttle.waitMs(keys)).toBe(0);
    throttle.succeed(keys);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts a reserved attempt at once, so attempts in flight together see each other', () => {
    const { throttle } = throttled();
    const keys = [...IP, ...USER];
    // 1. Ten attempts start before any is evaluated: the free five and one more are let through.
    const waits = Array.from({ length: 10 }, () => throttle.reserve(keys));
    expect(waits.slice(0, LOGIN_THROTTLE.freeAttempts + 1)).toEqual(Array(6).fill(0));
    expect(waits.slice(6)).toEqual(Array(4).fill(SECOND));
    // 2. A refused attempt is not counted: the wait does not grow while refusals pile up.
    expect(throttle.waitMs(keys)).toBe(SECOND);
    // 3. A success among the reserved ones forgets them all.
    throttle.succeed(keys);
    expect(throttle.reserve(keys)).toBe(0);
  });
});
