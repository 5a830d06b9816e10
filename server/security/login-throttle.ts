/**
 * Growing back-off for guessing attempts (logins, set-up codes). A few failures are free; after that
 * each further attempt must wait twice as long as the one before, up to a ceiling. The counters are
 * kept per client address and per account name, so neither many names from one address nor one name
 * from many addresses escapes. An attempt is counted when it starts ({@link AttemptThrottle.reserve}),
 * not when its ~100 ms password check fails, so guesses sent all at once are held to the same count as
 * guesses sent one after another. In memory (an LRU bounded in size): an appliance has one process
 * facing the LAN, and a restart forgets — which only an attacker able to restart it could exploit.
 */
import { LRUCache } from 'lru-cache';

/** Tuning of a throttle. */
export interface ThrottleOptions {
  /** Failures allowed before any waiting. */
  freeAttempts: number;
  /** Wait after the first failure past the free ones, in milliseconds; it doubles with each one. */
  baseDelayMs: number;
  /** Longest wait, in milliseconds. */
  maxDelayMs: number;
  /** Failures are forgotten after this long without one, in milliseconds. */
  forgetAfterMs: number;
}

/** Defaults for logins: 5 free failures, then 1 s, 2 s, 4 s ... up to 15 minutes. */
export const LOGIN_THROTTLE: ThrottleOptions = {
  freeAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

interface Failures {
  count: number;
  /** Epoch ms before which a new attempt is refused. */
  blockedUntil: number;
}

/** Counts failures per key and says how long the next attempt must wait. */
export class AttemptThrottle {
  private readonly failures: LRUCache<string, Failures>;

  constructor(
    private readonly options: ThrottleOptions = LOGIN_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {
    // Expiry without timers: entries expire when read (no autopurge), measured on our clock at full
    // resolution (lru-cache otherwise caches its clock behind a 1 ms timer).
    this.failures = new LRUCache({
      max: 10_000,
      ttl: options.forgetAfterMs,
      ttlAutopurge: false,
      ttlResolution: 0,
      perf: { now: () => this.now() },
    });
  }

  /** Milliseconds the caller must still wait before trying any of `keys` (0: go ahead). */
  waitMs(keys: readonly string[]): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const entry = this.failures.get(key);
      if (entry) wait = Math.max(wait, entry.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  /**
   * Starts an attempt: returns the milliseconds to wait when any key is throttled (the attempt is
   * refused and not counted), or 0 once the attempt is counted against every key as if it had failed
   * — before it is evaluated, so attempts running at the same time see each other. A success then
   * forgets the keys ({@link succeed}); a failure has nothing more to record.
   */
  reserve(keys: readonly string[]): number {
    const wait = this.waitMs(keys);
    if (wait === 0) this.fail(keys);
    return wait;
  }

  /** Records a failed attempt against every key. */
  fail(keys: readonly string[]): void {
    const { freeAttempts, baseDelayMs, maxDelayMs } = this.options;
    for (const key of keys) {
      const entry = this.failures.get(key) ?? { count: 0, blockedUntil: 0 };
      entry.count += 1;
      const over = entry.count - freeAttempts;
      const delay = over <= 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(over - 1, 30));
      entry.blockedUntil = this.now() + delay;
      this.failures.set(key, entry);
    }
  }

  /** Forgets the failures of `keys` (after a success). */
  succeed(keys: readonly string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
