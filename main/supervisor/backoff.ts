/**
 * Exponential back-off between restarts of a crashing server: 1 s, 2 s, 4 s... capped, and forgotten
 * once a run has stayed up for a while.
 */

/** How restarts are spaced. */
export interface BackoffPolicy {
  /** Delay before the first restart. */
  readonly initialMs: number;
  /** Largest delay. */
  readonly maxMs: number;
  /** Growth per consecutive failure. */
  readonly factor: number;
  /** A run that stayed up this long resets the count of consecutive failures. */
  readonly resetAfterMs: number;
}

/** The desktop app's policy: 1 s, 2 s, 4 s... up to a minute; a minute of uptime counts as stable. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  resetAfterMs: 60_000,
};

/**
 * The delay before restart number `failures` (1 for the first failure in a row).
 * @example backoffDelay(DEFAULT_BACKOFF, 3) // 4000
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** exponent));
}

/**
 * The consecutive-failure count after a run that ended now: a stable run starts the count afresh.
 * Computed at the failure, so no timer has to run while the server is up.
 * @example failuresAfter(DEFAULT_BACKOFF, 3, 120_000) // 1: two minutes up was stable
 */
export function failuresAfter(policy: BackoffPolicy, failuresBefore: number, uptimeMs: number): number {
  return uptimeMs >= policy.resetAfterMs ? 1 : failuresBefore + 1;
}
